import { copyFileSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { copyCatalogue } from '../src/db/copy.ts';
import { openPostgres, type PostgresDatabase } from '../src/db/postgres.ts';
import { openCatalogue, type Database } from '../src/catalogue/index.ts';
import { importFilesIntoPostgres } from '../src/catalogue/pg-store.ts';
import { importFiles, type ImportSummary } from '../src/ingest/importer.ts';
import { createApp, postgresServed, sqliteServed, type App, type AppOptions, type Served } from '../src/yoga.ts';


/** A folder of this test run, removed when the run ends. */
export function scratchFolder(): string {
  return mkdtempSync(path.join(inject('runFolder'), 'scratch-'));
}

/** A private copy of the catalogue built from the bundled seeds by global-setup. */
export function seededCatalogue(): Database {
  const file = path.join(scratchFolder(), 'catalogue.db');
  copyFileSync(path.join(inject('runFolder'), 'seeded.db'), file);
  return openCatalogue(file);
}

export interface GraphQLResponse<T = Record<string, any>> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: (string | number)[] }[];
  extensions?: Record<string, unknown>;
}

/**
 * The engine the API tests run on: SQLite, or PostgreSQL in the "postgres"
 * project (test/vitest.config.ts), which runs the API's test files again
 * against a real server with the same catalogue.
 */
export const ENGINE: 'sqlite' | 'postgres' = process.env.TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('postgresUrl') });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

const postgresUrlOf = (name: string) => Object.assign(new URL(inject('postgresUrl')), { pathname: `/${name}` }).href;

/** A new empty database on the run's PostgreSQL server (test/postgres-setup.ts); its URL. */
async function emptyPostgresDatabase(prefix = 'api'): Promise<string> {
  const name = `${prefix}_${randomUUID().replaceAll('-', '')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  return postgresUrlOf(name);
}

/** A new database holding the seeded catalogue, made from the run's template; its URL. */
export async function seededPostgresDatabase(prefix = 'api'): Promise<string> {
  const name = `${prefix}_${randomUUID().replaceAll('-', '')}`;
  // Made while another file's copy of the template is still closing, CREATE DATABASE waits a moment and tries again.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${inject('postgresSeeded')}`));
      return postgresUrlOf(name);
    } catch (error) {
      if (attempt === 50 || !/being accessed by other users/u.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Drops a database made by the two above, whoever is still connected to it. */
export async function dropPostgresDatabase(url: string): Promise<void> {
  await admin((client) => client.query(`DROP DATABASE ${new URL(url).pathname.slice(1)} WITH (FORCE)`));
}

/**
 * The app over `database` in a PostgreSQL database of its own on the run's
 * server (test/postgres-setup.ts): made from the run's template when it is
 * the seeded catalogue as it is, else copied into it; closed after the
 * file's tests. Its statements are PostgreSQL's.
 */
function onPostgres(database: Database, options: AppOptions | undefined, seeded: boolean): Engine {
  let postgres: PostgresDatabase | undefined;
  const statements: Database['statements'] = { count: 0 };
  const served = (async () => {
    postgres = await openPostgres(seeded ? await seededPostgresDatabase() : await emptyPostgresDatabase());
    if (!seeded) await copyCatalogue(database.db, postgres.db);
    postgres.statements.onQuery = (sql) => {
      statements.count++;
      statements.onQuery?.(sql);
    };
    return postgresServed(postgres);
  })();
  const ready = served.then((s) => createApp(s, options));
  // Made before the file's tests, so that the first does not pay for the copy (a client made inside a test pays it there).
  beforeAll(async () => void (await ready), 180_000);
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= served.then(() => postgres!.close()));
  afterAll(async () => void (postgres && (await close())));
  const app = { fetch: async (...args: Parameters<App['fetch']>) => (await ready).fetch(...args) } as unknown as App;
  const appWith = (other?: AppOptions) => {
    const later = served.then((s) => createApp(s, other));
    return { fetch: async (...args: Parameters<App['fetch']>) => (await later).fetch(...args) } as unknown as App;
  };
  const imported = (files: string[]) => served.then(() => importFilesIntoPostgres(postgres!, files));
  return { app, statements, served: () => served, close, appWith, importFiles: imported };
}

/** The app over one engine, what it serves, and how to take the engine away from under it. */
interface Engine {
  app: App;
  statements: Database['statements'];
  /** The catalogue and mail store the app reads (on PostgreSQL, once the copy is made). */
  served(): Promise<Served>;
  /** Closes the engine's connection: every request after it meets a closed database. */
  close(): Promise<void>;
  /** Another app over the same engine and catalogue (its own caches and limits), made with `options`. */
  appWith(options?: AppOptions): App;
  /** Imports files into the engine's catalogue, as `npm run ingest` does. */
  importFiles(files: string[]): Promise<ImportSummary>;
}

function onSqlite(database: Database, options?: AppOptions): Engine {
  const served = sqliteServed(database);
  return {
    app: createApp(database, options),
    statements: database.statements,
    served: async () => served,
    close: async () => database.close(),
    appWith: (other) => createApp(database, other),
    importFiles: async (files) => importFiles(database, files),
  };
}

/**
 * The whole server, in-process: POST /graphql through yoga.fetch; on the
 * engine of the run (ENGINE), over `database` (by default a copy of the
 * seeded catalogue, which PostgreSQL makes from its template at once).
 */
export function client(given?: Database, options?: AppOptions) {
  const database = given ?? seededCatalogue();
  const { app, statements, served, close, appWith, importFiles } = ENGINE === 'postgres' ? onPostgres(database, options, given === undefined) : onSqlite(database, options);
  return {
    app,
    database,
    served,
    close,
    appWith,
    importFiles,
    async query<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
      const response = await app.fetch('http://test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<T>;
    },
    /** Runs a query that must succeed and returns its data. */
    async data<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const result = await this.query<T>(query, variables);
      expect(result.errors).toBeUndefined();
      return result.data!;
    },
    /** Statements executed while `run` ran. */
    async statements(run: () => Promise<unknown>): Promise<number> {
      return (await this.sql(run)).length;
    },
    /** The SQL of the statements executed while `run` ran. */
    async sql(run: () => Promise<unknown>): Promise<string[]> {
      const seen: string[] = [];
      statements.onQuery = (sql) => seen.push(sql);
      try {
        await run();
      } finally {
        statements.onQuery = undefined;
      }
      return seen;
    },
  };
}

/**
 * The arXiv ids of every node of a connection field (searchPapers,
 * recommendedPapers…), page after page of 100, asked through `data`:
 * `declared` are the variables `args` uses.
 */
export async function allArxivIds(
  data: (query: string, variables: Record<string, unknown>) => Promise<any>,
  field: string,
  declared: string,
  args: string,
  variables: Record<string, unknown>,
): Promise<string[]> {
  const found: string[] = [];
  let after: string | null = null;
  do {
    const { page } = (await data(`query ($after: String, ${declared}) { page: ${field}(${args}, first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { arxivId } } } }`, { ...variables, after })) as {
      page: { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { arxivId: string } }[] };
    };
    found.push(...page.edges.map((e) => e.node.arxivId));
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  return found;
}
