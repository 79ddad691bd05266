// The sync's ledger (one row per listing day fetched) and its runs, which
// /metrics reports.
import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { syncDays, syncRuns } from '../db/schema.ts';

export type SyncDay = typeof syncDays.$inferSelect;

export function ledgerDays(db: Db): SyncDay[] {
  return db.select().from(syncDays).orderBy(syncDays.date).all();
}

export function ledgerDay(db: Db, date: string): SyncDay | null {
  return db.select().from(syncDays).where(eq(syncDays.date, date)).get() ?? null;
}

/** Writes the day's row, in the caller's transaction (the one that imported its papers). */
export function recordDay(db: Db, day: Omit<SyncDay, 'items' | 'papersAdded' | 'papersUpdated' | 'etag' | 'checksum' | 'message'> & Partial<SyncDay>): void {
  db.insert(syncDays)
    .values(day)
    .onConflictDoUpdate({ target: syncDays.date, set: { ...day } })
    .run();
}

/** Runs left "running" by a process that stopped without finishing them (called by the lease's holder, so none is live): failed. */
export function abandonRuns(db: Db, now: Date): void {
  db.update(syncRuns)
    .set({ status: 'failed', finishedAt: now.toISOString(), message: 'did not finish: the process stopped' })
    .where(eq(syncRuns.status, 'running'))
    .run();
}

export function startRun(db: Db, now: Date): number {
  return Number(db.insert(syncRuns).values({ startedAt: now.toISOString(), status: 'running' }).run().lastInsertRowid);
}

export function finishRun(db: Db, id: number, run: { status: 'ok' | 'failed'; days: number; papersAdded: number; papersUpdated: number; message: string | null }, now: Date): void {
  db.update(syncRuns).set({ ...run, finishedAt: now.toISOString() }).where(eq(syncRuns.id, id)).run();
}

export interface SyncStatus {
  /** When the last successful run finished, in ms; null before the first. */
  lastSuccessMs: number | null;
  lastPapersAdded: number;
  /** Added by every run. */
  papersAdded: number;
  failedRuns: number;
}

export function syncStatus(db: Db): SyncStatus {
  const last = db.select().from(syncRuns).where(eq(syncRuns.status, 'ok')).orderBy(desc(syncRuns.finishedAt)).limit(1).get();
  const totals = db
    .select({ failed: sql<number>`count(*) FILTER (WHERE ${syncRuns.status} = 'failed')`, added: sql<number>`coalesce(sum(${syncRuns.papersAdded}), 0)` })
    .from(syncRuns)
    .get();
  return {
    lastSuccessMs: last?.finishedAt ? Date.parse(last.finishedAt) : null,
    lastPapersAdded: last?.papersAdded ?? 0,
    papersAdded: totals?.added ?? 0,
    failedRuns: totals?.failed ?? 0,
  };
}
