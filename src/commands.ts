// What the command line says: each command's --help, and the one line that
// names what to change when a command cannot start.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { openCatalogue, type Database } from './catalogue/index.ts';
import { describeSettings, type Config } from './config.ts';

/** A command refused: the message is one line saying what to change; exit status 2 for a usage error, 1 otherwise. */
export class CommandError extends Error {
  constructor(message: string, readonly status: 1 | 2 = 1) {
    super(message);
  }
}

export const MAIN = 'node --import tsx src/main.ts';

/** The usage error of `command`: what was wrong, and where to read more. */
export const usageError = (command: string | null, problem: string): CommandError =>
  new CommandError(`${command ? `${command}: ` : ''}${problem} (see ${MAIN} ${command ? `${command} ` : ''}--help)`, 2);

export const isHelp = (arg: string | undefined): boolean => arg === '--help' || arg === '-h' || arg === 'help';

const DATABASE = ['DATABASE_PATH', 'LOG_LEVEL'];
const SERVER = 'all' as const;

export const TOP_HELP = `Paper catalogue: a GraphQL API over a catalogue of research papers.

usage: ${MAIN} <command> [options]
       npm start                         (serve)
       npm run <command> -- [options]    (migrate, reindex, ingest, sync, digest, copy)

commands:
  serve     serve the GraphQL API, GraphiQL, feeds and digest links (npm start)
  migrate   create the database file or bring it to the latest migration
  reindex   rebuild the full-text search index
  schema    print the GraphQL schema (SDL)
  ingest    import paper files: ingest [--dry-run] [--skip-invalid] <files or folders…>
  sync      fetch new and recent days from the daily-papers API: sync [--from DAY] [--to DAY] [--dry-run]
  digest    send digest mail: digest send --period DAY|WEEK|MONTH [--date YYYY-MM-DD]
  copy      copy a catalogue to an empty PostgreSQL database: copy --from <sqlite file> --to <postgres url>
  help      this text; "<command> --help" lists a command's options and environment

${describeSettings(DATABASE)}`;

export const COMMAND_HELP: Record<string, string> = {
  serve: `usage: ${MAIN} serve        (npm start)

Serves the GraphQL API at http://HOST:PORT/graphql. On first start it creates
DATABASE_PATH and loads the bundled seeds. SIGTERM or SIGINT stops it after the
requests in flight are answered (at most SHUTDOWN_GRACE_MS).

options:
  -h, --help   this text

${describeSettings(SERVER)}`,
  migrate: `usage: ${MAIN} migrate      (npm run migrate)

Creates DATABASE_PATH if needed and applies the pending migrations.

options:
  -h, --help   this text

${describeSettings(DATABASE)}`,
  reindex: `usage: ${MAIN} reindex      (npm run reindex)

Rebuilds the full-text search index of papers, authors and organizations.

options:
  -h, --help   this text

${describeSettings(DATABASE)}`,
  sync: `usage: ${MAIN} sync [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--dry-run] [--skip-invalid]   (npm run sync)

Fetches every day from the last one synced (or --from) to today (or --to) from
UPSTREAM_URL/api/daily_papers, the last SYNC_REFRESH_DAYS again, and imports
each day in one transaction. Exit status: 0 synced, 1 a day failed or the
upstream could not be reached, 2 a usage error, 3 another sync is running.

options:
  --from DAY       first day to fetch (default: after the last one synced)
  --to DAY         last day to fetch (default: today)
  --dry-run        fetch and check, write nothing
  --skip-invalid   import a day's valid items and list the others
  -h, --help       this text

${describeSettings([...DATABASE, 'DATABASE_URL', 'UPSTREAM_URL', 'HF_TOKEN', 'SYNC_REFRESH_DAYS'])}`,
  schema: `usage: ${MAIN} schema       (npm run schema:print writes src/graphql/schema.graphql)

Prints the GraphQL schema (SDL) to stdout. Reads no database.

options:
  -h, --help   this text
`,
};

/** Refuses any argument a command without options was given. */
export function noArguments(command: string, args: string[]): void {
  const [first] = args;
  if (first !== undefined) throw usageError(command, first.startsWith('-') ? `unknown option ${first}` : `unexpected argument "${first}"`);
}

/**
 * Opens the catalogue a command works on, or says in one line what to change.
 * DATABASE_PATH in a folder that does not exist is refused rather than a new,
 * empty catalogue created there; only the default ./data is created (a fresh clone).
 * `write`: refuse a database this process cannot write.
 */
export function openCommandCatalogue(config: Config, env: Record<string, string | undefined>, write: boolean): Database {
  const file = config.databasePath;
  const folder = path.dirname(path.resolve(file));
  if (env.DATABASE_PATH && file !== ':memory:') {
    if (!existsSync(folder)) {
      throw new CommandError(`DATABASE_PATH=${file}: the folder ${folder} does not exist; create it, or set DATABASE_PATH to a file in an existing folder`);
    }
    if (!statSync(folder).isDirectory()) throw new CommandError(`DATABASE_PATH=${file}: ${folder} is not a folder; set DATABASE_PATH to a file in a folder`);
  }
  let database: Database;
  try {
    database = openCatalogue(file);
  } catch (error) {
    throw databaseError(file, error);
  }
  if (write) {
    try {
      // Takes the write lock and lets it go: fails on a file or folder this process cannot write.
      database.sqlite.exec('BEGIN IMMEDIATE');
      database.sqlite.exec('ROLLBACK');
    } catch (error) {
      database.close();
      throw databaseError(file, error);
    }
  }
  return database;
}

function databaseError(file: string, error: unknown): Error {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error as Error;
  const reason = `${(error as Error).message} (${code})`;
  if (code.startsWith('SQLITE_READONLY')) {
    return new CommandError(
      `DATABASE_PATH=${file} is read-only: ${reason}; make the file and its folder writable by this user, or set DATABASE_PATH to a writable copy`,
    );
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_NOTADB' || code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR')) {
    return new CommandError(`DATABASE_PATH=${file} cannot be opened or created: ${reason}; set DATABASE_PATH to a file in a folder you can write`);
  }
  return new CommandError(`DATABASE_PATH=${file}: ${reason}`);
}

/** A listening error as the line that says what to change, or null. */
export function listenError(error: unknown, config: Config): CommandError | null {
  switch ((error as { code?: unknown }).code) {
    case 'EADDRINUSE':
      return new CommandError(`port ${config.port} is in use: set PORT to a free port`);
    case 'EACCES':
      return new CommandError(`port ${config.port} needs privileges this user does not have: set PORT to a port above 1023`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new CommandError(`HOST=${config.host} is not an address of this machine: set HOST to one (127.0.0.1, 0.0.0.0, ::)`);
    default:
      return null;
  }
}
