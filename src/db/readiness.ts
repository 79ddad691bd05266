// Ready means the database answers and has every migration this code ships
// with: a load balancer should not send traffic to an instance whose database
// is closed, or older (or newer) than its code.
import { readFileSync } from 'node:fs';
import type { Database } from './index.ts';
import { log } from '../log.ts';

/** The migrations of a folder of drizzle/ that this code ships with. */
const shipped = (folder: string): number =>
  (JSON.parse(readFileSync(new URL(`../../${folder}/meta/_journal.json`, import.meta.url), 'utf8')) as { entries: unknown[] }).entries.length;
export const SHIPPED_MIGRATIONS = shipped('drizzle');
export const SHIPPED_PG_MIGRATIONS = shipped('drizzle/pg');

export type Readiness = { ready: true; migrations: number } | { ready: false; reason: string };

/** Ready when the database has exactly the migrations this code ships with (`shipped`). */
export const migratedReadiness = (applied: number, shipped: number): Readiness =>
  applied === shipped ? { ready: true, migrations: applied } : { ready: false, reason: `database has ${applied} of ${shipped} migrations` };

/** A check that could not read the database: the client gets a generic reason; the log gets the cause. */
export function unreadable(error: unknown): Readiness {
  log.warn('readiness check failed', { error });
  return { ready: false, reason: 'database error' };
}

export function readiness(database: Database): Readiness {
  const { sqlite } = database;
  if (!sqlite.open) return { ready: false, reason: 'database closed' };
  try {
    sqlite.prepare('SELECT 1').get();
    const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
    if (!table) return { ready: false, reason: 'database not migrated' };
    const { applied } = sqlite.prepare('SELECT count(*) AS applied FROM __drizzle_migrations').get() as { applied: number };
    return migratedReadiness(applied, SHIPPED_MIGRATIONS);
  } catch (error) {
    return unreadable(error);
  }
}
