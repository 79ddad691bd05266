// The sync's store (sync-store.ts) on PostgreSQL, on one connection of the
// pool that the sync keeps while it runs: its ledger rows then commit with
// the day's papers, in the import's transaction (catalogue/pg-store.ts). The
// lease is a session advisory lock: one sync at a time across every
// instance, released by the server the moment the holder's connection goes,
// a killed process included. A holder that hangs, still connected, loses it
// as SQLite's lease expires: while it holds the lock, its connection's idle
// timeouts are the lease's length, so the server closes a connection that
// says nothing for that long, and the lock goes with it. Its holder is
// written to the leases table, so that an instance that finds the lock taken
// can say who has it.
import { and, eq, max } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type { PoolClient } from 'pg';
import { HOLDER } from '../catalogue/lease.ts';
import { postgresCatalogueWriter } from '../catalogue/pg-store.ts';
import { answer, runLater } from '../catalogue/steps.ts';
import type { SyncDay } from '../catalogue/sync-ledger.ts';
import * as schema from '../db/pg-schema.ts';
import { LOCKS, type PostgresDatabase } from '../db/postgres.ts';
import { log } from '../log.ts';
import { SYNC_LEASE, type SyncStore } from './sync-store.ts';

const { digestSchedule, leases, papers, syncDays, syncRuns } = schema;

class RolledBack<T> extends Error {
  constructor(readonly result: T) {
    super('rolled back');
  }
}

/** The sync's store on a connection of its own; close() gives the lease and the connection back. */
export async function openPostgresSyncStore(postgres: PostgresDatabase): Promise<SyncStore> {
  const client: PoolClient = await postgres.pool.connect();
  // A connection cut while the sync holds it (a restart, a failover) fails its next statement; the run ends there.
  client.on('error', (error) => log.warn('the sync lost its PostgreSQL connection', { error: error.message }));
  const db = drizzle(client, { schema });
  const writer = postgresCatalogueWriter(client);
  let leased = false;
  const store: SyncStore = {
    writer,
    run: runLater,
    async takeLease(now, ms) {
      const expiresAt = new Date(now.getTime() + ms).toISOString();
      if (!leased) {
        const { rows } = await client.query<{ taken: boolean }>('SELECT pg_try_advisory_lock($1) AS taken', [LOCKS.sync]);
        if (!rows[0]!.taken) {
          const [row] = await db.select().from(leases).where(eq(leases.name, SYNC_LEASE));
          return { taken: false, holder: row?.holder ?? 'another instance', expiresAt: row?.expiresAt ?? expiresAt };
        }
        leased = true;
      }
      await client.query(
        "SELECT set_config('idle_session_timeout', $1, false), set_config('idle_in_transaction_session_timeout', $1, false)",
        [String(ms)],
      );
      await db
        .insert(leases)
        .values({ name: SYNC_LEASE, holder: HOLDER, expiresAt })
        .onConflictDoUpdate({ target: leases.name, set: { holder: HOLDER, expiresAt } });
      return { taken: true };
    },
    async releaseLease() {
      if (!leased) return;
      await db.delete(leases).where(and(eq(leases.name, SYNC_LEASE), eq(leases.holder, HOLDER)));
      await client.query(
        "SELECT pg_advisory_unlock($1), set_config('idle_session_timeout', '0', false), set_config('idle_in_transaction_session_timeout', '0', false)",
        [LOCKS.sync],
      );
      leased = false;
    },
    abandonRuns: (now) =>
      db.update(syncRuns).set({ status: 'failed', finishedAt: now.toISOString(), message: 'did not finish: the process stopped' }).where(eq(syncRuns.status, 'running')),
    startRun: async (now) => (await db.insert(syncRuns).values({ startedAt: now.toISOString(), status: 'running' }).returning({ id: syncRuns.id }))[0]!.id,
    finishRun: (id, run, now) => db.update(syncRuns).set({ ...run, finishedAt: now.toISOString() }).where(eq(syncRuns.id, id)),
    ledgerDays: async () => (await db.select().from(syncDays).orderBy(syncDays.date)) as SyncDay[],
    ledgerDay: async (date) => ((await db.select().from(syncDays).where(eq(syncDays.date, date)))[0] as SyncDay | undefined) ?? null,
    recordDay: (day) => db.insert(syncDays).values(day).onConflictDoUpdate({ target: syncDays.date, set: { ...day } }),
    latestListingDay: async () => (await db.select({ day: max(papers.listedOn) }).from(papers))[0]?.day ?? null,
    wasScheduled: async (period, start) =>
      (await db.select({ start: digestSchedule.start }).from(digestSchedule).where(and(eq(digestSchedule.period, period), eq(digestSchedule.start, start)))).length > 0,
    markScheduled: (period, start, mails, now) => db.insert(digestSchedule).values({ period, start, mails, queuedAt: now.toISOString() }).onConflictDoNothing(),
    async rolledBack(work) {
      // The writer's transaction, made to fail at the end: the days' own transactions inside it are savepoints.
      try {
        await runLater(
          writer.transaction(function* () {
            throw new RolledBack(yield* answer(work()));
          }),
        );
      } catch (error) {
        if (error instanceof RolledBack) return error.result as Awaited<ReturnType<typeof work>>;
        throw error;
      }
      throw new Error('a dry run was not rolled back');
    },
    async close() {
      try {
        await store.releaseLease();
      } finally {
        client.release();
      }
    },
  };
  return store;
}
