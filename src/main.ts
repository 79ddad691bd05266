// Command-line entry: serve (npm start), migrate, reindex, ingest (npm run ingest), digest (npm run digest).
// Each command imports only what it needs: `ingest` does not load the GraphQL server.
import { openCatalogue } from './catalogue/index.ts';
import { ConfigError, loadConfig } from './config.ts';
import { configureLogging, log } from './log.ts';

const USAGE = 'usage: tsx src/main.ts serve | migrate | reindex | schema | ingest [--dry-run] [--skip-invalid] <files or folders…> | digest send --period DAY|WEEK|MONTH [--date YYYY-MM-DD]';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  configureLogging(config.logLevel);
  switch (command) {
    case 'serve': {
      const cluster = (await import('node:cluster')).default;
      if (config.workers > 1 && cluster.isPrimary) {
        (await import('./cluster.ts')).runPrimary(config);
        process.stdout.write(`Paper catalogue GraphQL API: ${config.workers} workers on http://${config.host}:${config.port}/graphql\n`);
        return -1; // keep running
      }
      const { startServer } = await import('./server.ts');
      const running = await startServer(config);
      if (cluster.isPrimary) {
        process.stdout.write(`Paper catalogue GraphQL API at ${running.url} (GraphiQL in a browser); mail goes to ${running.mail}\n`);
      }
      // A signal repeated while stopping is ignored (npx and tsx pass signals on,
      // so one Ctrl-C can arrive twice); stopping takes SHUTDOWN_GRACE_MS at most.
      let stopping = false;
      const stop = (signal: NodeJS.Signals): void => {
        if (stopping) return;
        stopping = true;
        const started = Date.now();
        log.info('stopping', { signal, graceMs: config.shutdownGraceMs });
        running.close().then(
          () => {
            log.info('stopped', { ms: Date.now() - started });
            process.exit(0);
          },
          (error: unknown) => {
            log.error('failed to stop cleanly', { error });
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      return -1; // keep running
    }
    case 'schema': {
      // The SDL committed as src/graphql/schema.graphql (npm run schema:print).
      const [{ printSchema }, { schema }] = await Promise.all([import('graphql'), import('./graphql/schema.ts')]);
      process.stdout.write(`${printSchema(schema)}\n`);
      return 0;
    }
    case 'migrate':
      openCatalogue(config.databasePath).close();
      process.stdout.write(`${config.databasePath}: migrated\n`);
      return 0;
    case 'reindex': {
      const [{ rebuildSearchIndex }, { rebuildTermIndex }] = await Promise.all([import('./catalogue/search.ts'), import('./catalogue/terms.ts')]);
      const database = openCatalogue(config.databasePath);
      const indexed = rebuildSearchIndex(database.db);
      const terms = rebuildTermIndex(database.db);
      database.close();
      process.stdout.write(`search index rebuilt: ${indexed.papers} papers, ${indexed.authors} authors, ${indexed.organizations} organizations\n`);
      process.stdout.write(`related-papers index rebuilt: ${terms.papers} papers, ${terms.terms} terms\n`);
      return 0;
    }
    case 'ingest': {
      const { runIngest } = await import('./ingest/cli.ts');
      return runIngest(rest, () => openCatalogue(config.databasePath));
    }
    case 'digest': {
      const { runDigest } = await import('./mail/cli.ts');
      return runDigest(rest, config, () => openCatalogue(config.databasePath));
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    if (status >= 0) process.exitCode = status;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration: ${error.message}\n`);
      process.exitCode = 2;
    } else {
      log.error('failed', { error });
      process.exitCode = 1;
    }
  },
);
