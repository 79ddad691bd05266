// Command-line entry: serve (npm start), migrate, reindex, schema, ingest (npm run ingest), sync (npm run sync), digest (npm run digest),
// copy (npm run copy: SQLite to PostgreSQL).
// Each command imports only what it needs: `ingest` does not load the GraphQL server.
// `--help` on any command prints its options and environment to stdout and starts nothing.
import path from 'node:path';
import { count } from 'drizzle-orm';
import { COMMAND_HELP, CommandError, TOP_HELP, isHelp, listenError, noArguments, openCommandCatalogue, usageError } from './commands.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { papers } from './db/schema.ts';
import { configureLogging, log } from './log.ts';

const COMMANDS = ['serve', 'migrate', 'reindex', 'schema', 'ingest', 'sync', 'digest', 'copy'];

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) throw usageError(null, 'no command given');
  if (isHelp(command)) {
    process.stdout.write(TOP_HELP);
    return 0;
  }
  if (!COMMANDS.includes(command)) throw usageError(null, command.startsWith('-') ? `unknown option ${command}` : `unknown command "${command}"`);
  if (command === 'copy') return (await import('./db/copy-cli.ts')).runCopy(rest);
  if (COMMAND_HELP[command] && isHelp(rest[0])) {
    process.stdout.write(COMMAND_HELP[command]);
    return 0;
  }
  const config = loadConfig();
  configureLogging(config.logLevel);
  const open = (write: boolean) => openCommandCatalogue(config, process.env, write);
  switch (command) {
    case 'serve':
      noArguments(command, rest);
      return serve(config);
    case 'schema': {
      noArguments(command, rest);
      // The SDL committed as src/graphql/schema.graphql (npm run schema:print).
      const [{ printSchema }, { schema }] = await Promise.all([import('graphql'), import('./graphql/schema.ts')]);
      process.stdout.write(`${printSchema(schema)}\n`);
      return 0;
    }
    case 'migrate':
      noArguments(command, rest);
      open(true).close();
      process.stdout.write(`${config.databasePath}: migrated\n`);
      return 0;
    case 'reindex': {
      noArguments(command, rest);
      const [{ rebuildSearchIndex }, { rebuildTermIndex }] = await Promise.all([import('./catalogue/search.ts'), import('./catalogue/terms.ts')]);
      const database = open(true);
      const indexed = rebuildSearchIndex(database.db);
      const terms = rebuildTermIndex(database.db);
      database.close();
      process.stdout.write(`search index rebuilt: ${indexed.papers} papers, ${indexed.authors} authors, ${indexed.organizations} organizations\n`);
      process.stdout.write(`related-papers index rebuilt: ${terms.papers} papers, ${terms.terms} terms\n`);
      return 0;
    }
    case 'ingest': {
      const { runIngest } = await import('./ingest/cli.ts');
      const { openPostgres } = await import('./db/postgres.ts');
      return runIngest(rest, () => (config.databaseUrl ? openPostgres(config.databaseUrl, { max: 2, watch: false }) : open(true)));
    }
    case 'sync': {
      const [{ runSyncCommand }, { openPostgres }] = await Promise.all([import('./sync/cli.ts'), import('./db/postgres.ts')]);
      return runSyncCommand(rest, config.sync, () => (config.databaseUrl ? openPostgres(config.databaseUrl, { max: 2, watch: false }) : open(true)));
    }
    default: {
      const { runDigest } = await import('./mail/cli.ts');
      return runDigest(rest, config, () => open(true));
    }
  }
}

/** Checks the database can be served (written: subscriptions, mail), then serves until SIGTERM / SIGINT. */
async function serve(config: Config): Promise<number> {
  const cluster = (await import('node:cluster')).default;
  if (cluster.isPrimary && !config.databaseUrl) openCommandCatalogue(config, process.env, true).close();
  if (config.workers > 1 && cluster.isPrimary) {
    await (await import('./cluster.ts')).runPrimary(config);
    const banner = `Paper catalogue GraphQL API: ${config.workers} workers on http://${config.host}:${config.port}/graphql, serving ${await served(config)}\n`;
    cluster.once('listening', () => process.stdout.write(banner));
    return -1; // keep running
  }
  const { startServer } = await import('./server.ts');
  const running = await startServer(config).catch((error: unknown) => {
    throw listenError(error, config) ?? error;
  });
  // A signal repeated while stopping is ignored (one Ctrl-C reaches npm and the server);
  // stopping takes SHUTDOWN_GRACE_MS at most.
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
  // The banner last: whoever reads it and sends a signal finds the handlers in place.
  if (cluster.isPrimary) {
    process.stdout.write(`Paper catalogue GraphQL API at ${running.url} (GraphiQL in a browser), serving ${await served(config)}; mail goes to ${running.mail}\n`);
  }
  return -1; // keep running
}

/** "the file (n papers)", or "the PostgreSQL database d on host (n papers)", for the banner. */
async function served(config: Config): Promise<string> {
  if (config.databaseUrl) {
    const { openPostgres } = await import('./db/postgres.ts');
    const postgres = await openPostgres(config.databaseUrl, { max: 1, watch: false });
    try {
      const [row] = await postgres.db.select({ n: count() }).from((await import('./db/pg-schema.ts')).papers);
      const { host, pathname } = new URL(config.databaseUrl);
      return `the PostgreSQL database ${pathname.slice(1)} on ${host} (${row?.n ?? 0} papers)`;
    } finally {
      await postgres.close();
    }
  }
  const database = openCommandCatalogue(config, process.env, false);
  try {
    const [row] = database.db.select({ n: count() }).from(papers).all();
    return `${path.resolve(config.databasePath)} (${row?.n ?? 0} papers)`;
  } finally {
    database.close();
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    if (status >= 0) process.exitCode = status;
  },
  (error: unknown) => {
    // Exits at once: a server that failed to listen has timers (mail delivery) that would keep it up.
    if (error instanceof CommandError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(error.status);
    } else if (error instanceof ConfigError) {
      process.stderr.write(`configuration: ${error.message}\n`);
      process.exit(2);
    } else {
      log.error('failed', { error });
      process.exit(1);
    }
  },
);
