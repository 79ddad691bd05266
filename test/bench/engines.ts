// The engines the bench serves its catalogue on: SQLite, the file as built,
// and PostgreSQL, a server of its own (test/postgres.ts) into which the file
// is copied with copyCatalogue, the way into PostgreSQL while ingest writes
// SQLite only. Each is measured by the same scenarios, through the same server.
//
//   BENCH_ENGINES=sqlite,postgres   the default where PostgreSQL's binaries are installed
//   BENCH_ENGINES=sqlite            SQLite only (the default without them)
import { openCatalogue, type Database } from '../../src/catalogue/index.ts';
import { loadConfig } from '../../src/config.ts';
import { copyCatalogue } from '../../src/db/copy.ts';
import type { Db } from '../../src/db/index.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { createApp, postgresServed, type App, type Served } from '../../src/yoga.ts';
import { startPostgres, type PostgresServer } from '../postgres.ts';
import { missingLine, POSTGRESQL, skipReason } from '../prerequisites.ts';
import { BENCH_ENV } from './settings.ts';

export const ENGINE_NAMES = ['sqlite', 'postgres'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export interface Engine {
  name: EngineName;
  /** As the report names it. */
  label: string;
  /** What a bench server (server.ts) is given to serve: the SQLite file or the PostgreSQL database's URL. */
  target: string;
  /** The API in this process, on this engine: statement counts and the time of a request alone are measured through it. */
  app: App;
  /** Statements this process has sent the engine so far. */
  statements(): number;
  /** Closes this process's connections; the servers open their own. */
  close(): Promise<void>;
}

export interface Engines {
  /** SQLite first. */
  list: [Engine, ...Engine[]];
  /** How each engine was set up and how long loading the catalogue took, for the report. */
  facts: string[];
  /** Closes what close() of each engine has not, and stops PostgreSQL. */
  stop(): Promise<void>;
}

const LABELS: Record<EngineName, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

/**
 * The engines BENCH_ENGINES names (comma-separated), SQLite always among them:
 * the raw baseline, whose answers the GraphQL ones are checked against, reads
 * the SQLite file. Unset, PostgreSQL joins where its binaries are installed;
 * `notes` then says in one line why it does not.
 */
export function selectedEngines(value = process.env.BENCH_ENGINES): { names: EngineName[]; notes: string[] } {
  if (value === undefined || value.trim() === '') {
    const missing = skipReason(POSTGRESQL);
    return missing === null ? { names: [...ENGINE_NAMES], notes: [] } : { names: ['sqlite'], notes: [missingLine({ ...POSTGRESQL, neededBy: 'the measurements on PostgreSQL' })] };
  }
  const names = [...new Set(value.split(',').map((name) => name.trim().toLowerCase()))];
  const unknown = names.filter((name) => !(ENGINE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0 || !names.includes('sqlite')) {
    throw new Error(`BENCH_ENGINES lists engines from ${ENGINE_NAMES.join(', ')}, sqlite always among them (the raw baseline reads its file); got "${value}"`);
  }
  if (names.includes('postgres') && skipReason(POSTGRESQL) !== null) throw new Error(`BENCH_ENGINES names postgres: ${skipReason(POSTGRESQL)}`);
  // SQLite first: the report's columns and the baseline's run lengths follow it.
  return { names: ENGINE_NAMES.filter((name) => names.includes(name)), notes: [] };
}

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);
const since = (started: number) => (performance.now() - started) / 1000;
const appOn = (served: Database | Served) => createApp(served, { config: loadConfig({ ...BENCH_ENV, LOG_LEVEL: 'silent' }) });

/** Closes once, however often it is called. */
const once = (close: () => Promise<void> | void) => {
  let closing: Promise<void> | null = null;
  return () => (closing ??= Promise.resolve().then(close));
};

function sqliteEngine(database: Database): Engine {
  return {
    name: 'sqlite',
    label: LABELS.sqlite,
    target: database.sqlite.name,
    app: appOn(database),
    statements: () => database.statements.count,
    close: once(() => database.close()),
  };
}

/** Copies the catalogue into a new database of `server`; says how long that took. */
async function postgresEngine(server: PostgresServer, from: Db, papers: number): Promise<{ engine: Engine; facts: string[] }> {
  const url = await server.createDatabase('bench');
  const postgres = await openPostgres(url);
  const close = once(() => postgres.close());
  try {
    let started = performance.now();
    await copyCatalogue(from, postgres.db);
    const copySeconds = since(started);
    // What autovacuum would do soon after such a load: without statistics the planner guesses.
    started = performance.now();
    await postgres.pool.query('VACUUM ANALYZE');
    const analyzeSeconds = since(started);
    const { rows } = await postgres.pool.query<{ version: string; size: string }>(
      "SELECT current_setting('server_version') AS version, pg_size_pretty(pg_database_size(current_database())) AS size",
    );
    const { version, size } = rows[0]!;
    const engine: Engine = {
      name: 'postgres',
      label: LABELS.postgres,
      target: url,
      app: appOn(postgresServed(postgres)),
      statements: () => postgres.statements.count,
      close,
    };
    const facts = [
      `PostgreSQL ${version}: a server of its own (test/postgres.ts: initdb into a temporary folder, PostgreSQL's default settings but fsync, ` +
        'synchronous_commit and full_page_writes off), on 127.0.0.1; each server a pool of 10 connections.',
      'Import into PostgreSQL: the copy path (copyCatalogue, as `npm run copy` does; ingest writes SQLite only so far), from the SQLite file into an empty database ' +
        `in one transaction, search vectors rebuilt, every table read back and checksummed: ${copySeconds.toFixed(1)} s, ` +
        `${Math.round(papers / copySeconds).toLocaleString('en-US')} papers/s; then VACUUM ANALYZE, ${analyzeSeconds.toFixed(1)} s; database ${size}.`,
    ];
    return { engine, facts };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Opens the SQLite catalogue in `file` and, if asked, a PostgreSQL server with a copy of it. */
export async function openEngines(file: string, names: EngineName[], papers: number): Promise<Engines> {
  const database = openCatalogue(file);
  const sqlite = sqliteEngine(database);
  if (!names.includes('postgres')) return { list: [sqlite], facts: [], stop: sqlite.close };
  let server: PostgresServer | undefined;
  try {
    progress('starting PostgreSQL and copying the catalogue into it');
    server = await startPostgres();
    const { engine, facts } = await postgresEngine(server, database.db, papers);
    return {
      list: [sqlite, engine],
      facts,
      stop: async () => {
        await Promise.all([sqlite.close(), engine.close()]);
        await server!.stop();
      },
    };
  } catch (error) {
    await sqlite.close();
    await server?.stop();
    throw error;
  }
}
