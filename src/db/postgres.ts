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
  db: PgDb;
  pool: pg.Pool;
  close(): Promise<void>;
}

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
export async function openPostgres(url: string, { max = 10, replicas = [] }: { max?: number; replicas?: string[] } = {}): Promise<PostgresDatabase> {
  const pools = [url, ...replicas].map((connectionString) => {
    const pool = new pg.Pool({ connectionString, max });
    // An idle connection the server closed (a restart, a failover) is dropped and replaced on next use.
    pool.on('error', (error) => log.warn('a PostgreSQL connection was closed', { error: error.message }));
    return pool;
  });
  const close = async () => void (await Promise.all(pools.map((p) => p.end())));
  const [primary, ...readers] = pools.map((pool) => drizzle(pool, { schema }));
  try {
    await migrate(primary!, { migrationsFolder });
  } catch (error) {
    await close();
    const { host, pathname } = new URL(url);
    const cause = (error as { cause?: Error }).cause ?? (error as Error);
    throw new Error(`cannot open the PostgreSQL database ${pathname.slice(1)} on ${host}: ${cause.message}`);
  }
  const db: PgDb = readers.length > 0 ? withReplicas(primary!, readers as [typeof primary & {}, ...(typeof primary & {})[]]) : primary!;
  return { db, pool: pools[0]!, close };
}
