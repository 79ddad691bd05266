// The catalogue on PostgreSQL (DATABASE_URL=postgres://…): a pool of
// connections, drizzle's node-postgres dialect over the twin schema, and the
// migrations of drizzle/pg applied at open.
import { fileURLToPath } from 'node:url';
import { withReplicas } from 'drizzle-orm/pg-core';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { log } from '../log.ts';
import * as schema from './pg-schema.ts';

export type PgDb = NodePgDatabase<typeof schema> & { $primary?: NodePgDatabase<typeof schema> };

export interface PostgresDatabase {
  /** Reads (select) go to a replica, if there are any, and writes to the primary; `db.$primary` reads from the primary. */
  db: PgDb;
  /** For reads only: every statement, raw SQL (execute) included, goes to a replica if there are any. */
  reads: PgDb;
  pool: pg.Pool;
  /** Statements run through `db` since it was opened, and a listener told the SQL of each (tests and benchmarks read them). */
  readonly statements: { count: number; onQuery?: (sql: string) => void };
  /**
   * Changes whenever any connection to the database, in any process, commits
   * a change to the catalogue and notifies CHANGES (every writer does): what
   * response caches are kept for. While the server cannot be listened to, it
   * changes on every call, so that nothing is served from a cache unchecked.
   */
  dataVersion(): string;
  close(): Promise<void>;
}

/** The channel a writer notifies, in its transaction, when it has changed the catalogue. */
export const CHANGES = 'catalogue_changed';

const migrationsFolder = fileURLToPath(new URL('../../drizzle/pg', import.meta.url));

/** Whether a DATABASE_URL names a PostgreSQL server. */
export const isPostgresUrl = (url: string): boolean => /^postgres(?:ql)?:\/\//u.test(url);

/**
 * Connects to the PostgreSQL database at `url` and applies the pending
 * migrations. With `replicas` (DATABASE_REPLICA_URLS), reads through `db` go
 * to a replica and writes to the primary; `db.$primary` reads from the
 * primary, for a flow that must read what it has just written. A server that
 * cannot be reached is one line naming the database and host (never the password).
 */
export async function openPostgres(
  url: string,
  { max = 10, replicas = [], watch = true }: { max?: number; replicas?: string[]; watch?: boolean } = {},
): Promise<PostgresDatabase> {
  const pools = [url, ...replicas].map((connectionString) => {
    const pool = new pg.Pool({ connectionString, max });
    // An idle connection the server closed (a restart, a failover) is dropped and replaced on next use.
    pool.on('error', (error) => log.warn('a PostgreSQL connection was closed', { error: error.message }));
    return pool;
  });
  const statements: PostgresDatabase['statements'] = { count: 0 };
  const logger = {
    logQuery: (sql: string) => {
      statements.count++;
      statements.onQuery?.(sql);
    },
  };
  const changes = watch ? watchChanges(url, pools.slice(1)) : null;
  const close = async () => {
    await changes?.close();
    await Promise.all(pools.map((p) => p.end()));
  };
  const [primary, ...readers] = pools.map((pool) => drizzle(pool, { schema, logger }));
  try {
    await migrated(pools[0]!);
  } catch (error) {
    await close();
    const { host, pathname } = new URL(url);
    const cause = (error as { cause?: Error }).cause ?? (error as Error);
    throw new Error(`cannot open the PostgreSQL database ${pathname.slice(1)} on ${host}: ${cause.message}`);
  }
  const onReplicas = readers as [typeof primary & {}, ...(typeof primary & {})[]];
  const db: PgDb = readers.length > 0 ? withReplicas(primary!, onReplicas) : primary!;
  // drizzle sends raw SQL to the primary: the catalogue's reads are raw SQL, so they name a replica themselves.
  const replica = () => onReplicas[Math.floor(Math.random() * onReplicas.length)]!;
  const reads = (readers.length > 0 ? { ...db, execute: (query: Parameters<PgDb['execute']>[0]) => replica().execute(query) } : primary!) as PgDb;
  if (changes) await changes.ready;
  let unwatched = 0;
  return { db, reads, pool: pools[0]!, statements, dataVersion: () => changes?.version() ?? `unwatched-${++unwatched}`, close };
}

/**
 * Advisory lock keys: one migration, one seeding, one copy, one import
 * (catalogue/pg-store.ts) and one sync (sync/pg-sync-store.ts) at a time
 * across every process on the database; `mail` is the first key of the
 * locks on one address's or requester's mail budget (mail/pg-mail-store.ts).
 */
export const LOCKS = { migrate: 7_261_201, seed: 7_261_202, copy: 7_261_203, mail: 7_261_204, ingest: 7_261_205, sync: 7_261_206 };

/**
 * Applies the pending migrations holding the migration lock: instances that
 * start together on a new database would otherwise create the same tables at once.
 */
async function migrated(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCKS.migrate]);
    await migrate(drizzle(client, { schema }), { migrationsFolder });
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCKS.migrate]).catch(() => {});
    client.release();
  }
}

/**
 * LISTEN on CHANGES with a connection of its own, counting the notifications;
 * a connection lost is opened again a second later, and until then every
 * version is new. With replicas, a change counts once every replica has
 * replayed it: the primary's WAL position when the notice came, against each
 * replica's replay position, checked every 50 ms. Until then every version is
 * new too, so that nothing read from a replica that lags is cached as current.
 */
function watchChanges(url: string, replicas: pg.Pool[]) {
  let seen = 0;
  let listening = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  let replaying = 0;
  let misses = 0;

  /** Counts a change once the replicas have it. */
  const replayed = async (connection: pg.Client): Promise<void> => {
    replaying++;
    try {
      // Where the primary has inserted WAL to (its write position lags it where commits are not flushed at once).
      const { rows } = await connection.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
      for (const replica of replicas) {
        while (!closed && !(await replica.query<{ done: boolean }>('SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, true) AS done', [rows[0]!.lsn])).rows[0]!.done) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    } finally {
      replaying--;
      seen++;
    }
  };

  const listen = async (): Promise<void> => {
    const connection = new pg.Client({ connectionString: url });
    const lost = () => {
      listening = false;
      connection.removeAllListeners();
      connection.end().catch(() => {});
      if (!closed) retry = setTimeout(() => void listen().catch(() => {}), 1_000);
    };
    connection.on('error', lost);
    connection.on('notification', () => {
      seen++;
      if (replicas.length > 0) replayed(connection).catch(() => {});
    });
    try {
      await connection.connect();
      await connection.query(`LISTEN ${CHANGES}`);
    } catch {
      return lost();
    }
    if (closed) return void (await connection.end());
    client = connection;
    listening = true;
    // Whatever was committed while nobody listened: a new version.
    seen++;
  };
  return {
    ready: listen(),
    version: () => (listening && replaying === 0 ? `${seen}` : `unsettled-${++misses}`),
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}
