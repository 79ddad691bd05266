// Command-line entry: serve (npm start), migrate, reindex, ingest (npm run ingest), digest (npm run digest).
// Each command imports only what it needs: `ingest` does not load the GraphQL server.
import { openCatalogue } from './catalogue/index.ts';
import { ConfigError, loadConfig } from './config.ts';
import { log } from './log.ts';

const USAGE = 'usage: tsx src/main.ts serve | migrate | reindex | ingest [--dry-run] [--skip-invalid] <files or folders…> | digest send --period DAY|WEEK|MONTH [--date YYYY-MM-DD]';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case 'serve': {
      const { startServer } = await import('./server.ts');
      const running = await startServer(config);
      process.stdout.write(`Paper catalogue GraphQL API at ${running.url} (GraphiQL in a browser); mail goes to ${running.mail}\n`);
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => {
          log.info('stopping', { signal });
          void running.close().then(() => process.exit(0));
        });
      }
      return -1; // keep running
    }
    case 'migrate':
      openCatalogue(config.databasePath).close();
      process.stdout.write(`${config.databasePath}: migrated\n`);
      return 0;
    case 'reindex': {
      const { rebuildSearchIndex } = await import('./catalogue/search.ts');
      const database = openCatalogue(config.databasePath);
      const indexed = rebuildSearchIndex(database.db);
      database.close();
      process.stdout.write(`search index rebuilt: ${indexed.papers} papers, ${indexed.authors} authors, ${indexed.organizations} organizations\n`);
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
