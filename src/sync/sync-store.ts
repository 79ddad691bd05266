// What a sync reads and writes besides the papers: its lease, its runs, its
// ledger of days, and which digests the server queued on its own. The
// interface that both engines implement (SQLite's here, PostgreSQL's in
// pg-sync-store.ts), so that sync.ts and schedule.ts are written once.
import type { Period } from '../catalogue/dates.ts';
import { markScheduled, wasScheduled } from '../catalogue/digest-schedule.ts';
import { HOLDER, isAlive, releaseLease, takeLease, type LeaseOutcome } from '../catalogue/lease.ts';
import type { MaybePromise } from '../catalogue/maybe.ts';
import { latestListingDay } from '../catalogue/papers.ts';
import { runNow, type Steps } from '../catalogue/steps.ts';
import { createCatalogueWriter, type CatalogueWriter } from '../catalogue/store.ts';
import { abandonRuns, finishRun, ledgerDay, ledgerDays, recordDay, startRun, type SyncDay } from '../catalogue/sync-ledger.ts';
import type { Database } from '../db/index.ts';

export const SYNC_LEASE = 'sync';

export type RunOutcome = { status: 'ok' | 'failed'; days: number; papersAdded: number; papersUpdated: number; message: string | null };

export interface SyncStore {
  /** The importer's writer; `run` runs its steps on this engine. */
  writer: CatalogueWriter;
  run<T>(steps: Steps<T>): MaybePromise<T>;
  /** Takes or renews the sync's lease for this process, unless another one holds it. */
  takeLease(now: Date, ms: number): MaybePromise<LeaseOutcome>;
  releaseLease(): MaybePromise<unknown>;
  abandonRuns(now: Date): MaybePromise<unknown>;
  startRun(now: Date): MaybePromise<number>;
  finishRun(id: number, run: RunOutcome, now: Date): MaybePromise<unknown>;
  ledgerDays(): MaybePromise<SyncDay[]>;
  ledgerDay(date: string): MaybePromise<SyncDay | null>;
  /** Writes a day's row; inside the writer's transaction when it imported the day. */
  recordDay(day: Parameters<typeof recordDay>[1]): MaybePromise<unknown>;
  latestListingDay(): MaybePromise<string | null>;
  wasScheduled(period: Period, start: string): MaybePromise<boolean>;
  markScheduled(period: Period, start: string, mails: number, now: Date): MaybePromise<unknown>;
  /** Runs `work` in one transaction and rolls it all back (a dry run). */
  rolledBack<T>(work: () => Promise<T>): Promise<T>;
  /** Gives back what it holds (on PostgreSQL, its connection and the lease). */
  close?(): Promise<void>;
}

/** The sync's store in a SQLite catalogue; its lease is a row that expires (catalogue/lease.ts). */
export function sqliteSyncStore(database: Database): SyncStore {
  const { db, sqlite } = database;
  return {
    writer: createCatalogueWriter(database),
    run: runNow,
    takeLease: (now, ms) => takeLease(database, SYNC_LEASE, HOLDER, now, ms, isAlive),
    releaseLease: () => releaseLease(database, SYNC_LEASE, HOLDER),
    abandonRuns: (now) => abandonRuns(db, now),
    startRun: (now) => startRun(db, now),
    finishRun: (id, run, now) => finishRun(db, id, run, now),
    ledgerDays: () => ledgerDays(db),
    ledgerDay: (date) => ledgerDay(db, date),
    recordDay: (day) => recordDay(db, day),
    latestListingDay: () => latestListingDay(db),
    wasScheduled: (period, start) => wasScheduled(db, period, start),
    markScheduled: (period, start, mails, now) => markScheduled(db, period, start, mails, now),
    async rolledBack(work) {
      sqlite.exec('BEGIN');
      try {
        return await work();
      } finally {
        sqlite.exec('ROLLBACK');
      }
    },
  };
}
