// The bundled snapshot in seeds/, loaded through the normal importer the first
// time the server starts on an empty catalogue.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { openCatalogue } from '../catalogue/index.ts';
import { copyCatalogue } from '../db/copy.ts';
import type { Database } from '../db/index.ts';
import { LOCKS, type PostgresDatabase } from '../db/postgres.ts';
import { getMeta, setMeta } from '../catalogue/meta.ts';
import { countPapers } from '../catalogue/papers.ts';
import { importFiles, listInputFiles, type ImportSummary } from './importer.ts';

export const SEEDS_FOLDER = fileURLToPath(new URL('../../seeds', import.meta.url));

export function seedFiles(): string[] {
  return listInputFiles([SEEDS_FOLDER]).map((file) => path.relative(process.cwd(), file));
}

/**
 * Loads the seeds into an empty catalogue, once. The load is marked as begun
 * before it starts, so a load interrupted part-way is finished on the next
 * start (files already in the imports ledger are skipped), while a catalogue
 * that was filled by other imports is left alone.
 */
export function loadSeedsIfNeeded(database: Database): ImportSummary | null {
  const state = getMeta(database.db, 'seeds');
  if (state === 'loaded' || (state !== 'loading' && countPapers(database.db, {}) > 0)) return null;
  setMeta(database.db, 'seeds', 'loading');
  const summary = importFiles(database, seedFiles());
  if (summary.rejected === 0) setMeta(database.db, 'seeds', 'loaded');
  return summary;
}

const hasPapers = async ({ db }: PostgresDatabase): Promise<boolean> => (await db.execute(sql`SELECT EXISTS (SELECT 1 FROM papers) AS found`)).rows[0]!.found === true;

/**
 * Seeds an empty catalogue on PostgreSQL: the seeds go through the same
 * importer into a private SQLite catalogue in memory, which is then copied
 * over in one transaction (db/copy.ts), checked table by table. Null when
 * the catalogue has papers already, another instance having seeded it first
 * included (the seeding lock lets one instance at a time look).
 */
export async function loadSeedsIntoPostgres(postgres: PostgresDatabase): Promise<ImportSummary | null> {
  // One instance seeds; those starting with it wait, then find the papers there.
  const lock = await postgres.pool.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [LOCKS.seed]);
    if (await hasPapers(postgres)) return null;
    const scratch = openCatalogue(':memory:');
    try {
      const summary = loadSeedsIfNeeded(scratch);
      await copyCatalogue(scratch.db, postgres.db);
      return summary;
    } finally {
      scratch.close();
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [LOCKS.seed]).catch(() => {});
    lock.release();
  }
}
