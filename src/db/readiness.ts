// Ready means the database answers and has every migration this code ships
// with: a load balancer should not send traffic to an instance whose database
// is closed, or older (or newer) than its code.
import { readFileSync } from 'node:fs';
import type { Database } from './index.ts';
import { log } from '../log.ts';

const journal = JSON.parse(readFileSync(new URL('../../drizzle/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] };
export const SHIPPED_MIGRATIONS = journal.entries.length;

export type Readiness = { ready: true; migrations: number } | { ready: false; reason: string };

export function readiness(database: Database): Readiness {
  const { sqlite } = database;
  if (!sqlite.open) return { ready: false, reason: 'database closed' };
  try {
    sqlite.prepare('SELECT 1').get();
    const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
    if (!table) return { ready: false, reason: 'database not migrated' };
    const { applied } = sqlite.prepare('SELECT count(*) AS applied FROM __drizzle_migrations').get() as { applied: number };
    if (applied !== SHIPPED_MIGRATIONS) return { ready: false, reason: `database has ${applied} of ${SHIPPED_MIGRATIONS} migrations` };
    return { ready: true, migrations: applied };
  } catch (error) {
    // The client gets a generic reason; the log gets the cause.
    log.warn('readiness check failed', { error });
    return { ready: false, reason: 'database error' };
  }
}
