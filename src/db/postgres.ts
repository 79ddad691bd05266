// The catalogue on PostgreSQL (DATABASE_URL=postgres://…): a pool of
// connections, drizzle's node-postgres dialect over the twin schema, and the
// migrations of drizzle/pg applied at open.
import { fileURLToPath } from 'node:url';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { log } from '../log.ts';
import * as schema from './pg-schema.ts';

export type PgDb = NodePgDatabase<typeof schema>;

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
 * migrations. A server that cannot be reached is one line naming the URL's
 * host (never its password).
 */
export async function openPostgres(url: string, { max = 10 }: { max?: number } = {}): Promise<PostgresDatabase> {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle connection the server closed (a restart, a failover) is dropped and replaced on next use.
  pool.on('error', (error) => log.warn('a PostgreSQL connection was closed', { error: error.message }));
  const db = drizzle(pool, { schema });
  try {
    await migrate(db, { migrationsFolder });
  } catch (error) {
    await pool.end();
    const { host, pathname } = new URL(url);
    const cause = (error as { cause?: Error }).cause ?? (error as Error);
    throw new Error(`cannot open the PostgreSQL database ${pathname.slice(1)} on ${host}: ${cause.message}`);
  }
  return { db, pool, close: () => pool.end() };
}
