// Bringing the catalogue up to date from the daily-papers API: every day from
// the last one synced to today, and again the days still young enough for
// their upvotes to grow. Each day goes through the importer in one
// transaction with its ledger row, so a run killed part-way is completed by
// the next, and a day whose ETag or checksum did not change is not imported.
import { createHash } from 'node:crypto';
import type { SyncSettings } from '../config.ts';
import { addDays, dayOf, dayStart } from '../catalogue/dates.ts';
import { answer } from '../catalogue/steps.ts';
import { readInputFile } from '../ingest/read.ts';
import { describeProblem } from '../ingest/record.ts';
import type { SyncStore } from './sync-store.ts';
import { BadDay, createUpstream, JSON_TYPE, UpstreamUnreachable, type Wait } from './upstream.ts';

const DAY_MS = 86_400_000;
/** Renewed before each day; long enough for a day's retries and a 429's wait. */
const LEASE_MS = 15 * 60_000;

export interface SyncOptions {
  /** First and last day to fetch (default: from the last day synced, to today). */
  from?: string | null;
  to?: string | null;
  /** Fetch and work out what would change, then roll it all back. */
  dryRun?: boolean;
  /** Import the valid items of a day that has invalid ones, instead of failing the day. */
  skipInvalid?: boolean;
  /** Asked before each day: true ends the run there (the server is stopping). */
  shouldStop?: () => boolean;
  /** The clock (tests set it). */
  now?: () => Date;
  onDay?: (outcome: DayOutcome, done: number, total: number) => void;
  onWait?: (wait: Wait) => void;
}

export type DayOutcome =
  | { day: string; status: 'imported'; items: number; papersAdded: number; papersUpdated: number }
  | { day: string; status: 'unchanged'; why: 'etag' | 'checksum' }
  | { day: string; status: 'failed'; message: string };

export interface SyncSummary {
  days: number;
  imported: number;
  unchanged: number;
  failed: number;
  papersAdded: number;
  papersUpdated: number;
  /** Why the run stopped before the last day (the upstream could not be reached), if it did. */
  stopped: string | null;
  /** The days asked for: first and last (null when there was nothing to fetch). */
  range: { from: string; to: string } | null;
}

export type SyncResult = { status: 'done'; summary: SyncSummary } | { status: 'busy'; holder: string; expiresAt: string };

/**
 * Where a run starts by default: the day after the last one synced, or
 * earlier for a day that failed or was last fetched while still young (less
 * than refreshDays after it), whose upvotes have grown since. With no ledger:
 * the latest listing day of the catalogue, or the refresh window.
 */
export async function firstDayToSync(store: SyncStore, refreshDays: number, today: string): Promise<string> {
  const days = await store.ledgerDays();
  const ok = days.filter((d) => d.status === 'ok');
  const candidates: string[] = [];
  if (ok.length > 0) candidates.push(addDays(ok.at(-1)!.date, 1));
  else candidates.push((await store.latestListingDay()) ?? addDays(today, -Math.max(0, refreshDays - 1)));
  for (const d of days) {
    if (d.status === 'failed' || Date.parse(d.fetchedAt) < dayStart(d.date) + refreshDays * DAY_MS) candidates.push(d.date);
  }
  return candidates.sort()[0]!;
}

function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

export async function runSync(store: SyncStore, settings: SyncSettings, options: SyncOptions = {}): Promise<SyncResult> {
  const now = options.now ?? (() => new Date());
  const dryRun = options.dryRun ?? false;
  if (!dryRun) {
    const lease = await store.takeLease(now(), LEASE_MS);
    if (!lease.taken) return { status: 'busy', holder: lease.holder, expiresAt: lease.expiresAt };
    await store.abandonRuns(now());
  }
  const today = dayOf(now().getTime());
  const from = options.from ?? (await firstDayToSync(store, settings.refreshDays, today));
  const to = options.to ?? today;
  const days = from <= to ? daysBetween(from, to) : [];
  const summary: SyncSummary = { days: days.length, imported: 0, unchanged: 0, failed: 0, papersAdded: 0, papersUpdated: 0, stopped: null, range: days.length ? { from, to } : null };
  const { writer } = store;
  const upstream = createUpstream(settings, options.onWait);
  const syncAll = async (): Promise<void> => {
    const runId = await store.startRun(now());
    for (const [i, day] of days.entries()) {
      if (options.shouldStop?.()) {
        summary.stopped = 'stopping';
        break;
      }
      if (!dryRun) {
        const lease = await store.takeLease(now(), LEASE_MS);
        if (!lease.taken) {
          summary.stopped = `the lease was taken over by ${lease.holder}`;
          break;
        }
      }
      let outcome: DayOutcome;
      try {
        outcome = await syncDay(day);
      } catch (error) {
        if (!(error instanceof UpstreamUnreachable)) throw error;
        summary.stopped = `${day}: the upstream could not be reached: ${error.message}`;
        break;
      }
      if (outcome.status === 'imported') {
        summary.imported++;
        summary.papersAdded += outcome.papersAdded;
        summary.papersUpdated += outcome.papersUpdated;
      } else {
        summary[outcome.status]++;
      }
      options.onDay?.(outcome, i + 1, days.length);
    }
    const failed = summary.failed > 0 || summary.stopped !== null;
    const message = summary.stopped ?? (summary.failed > 0 ? `${summary.failed} days failed` : null);
    await store.finishRun(runId, { status: failed ? 'failed' : 'ok', days: summary.imported + summary.unchanged, papersAdded: summary.papersAdded, papersUpdated: summary.papersUpdated, message }, now());
  };
  // A dry run does it all in one transaction and rolls it back: the days are
  // counted against each other, as a real run would import them.
  if (dryRun) await store.rolledBack(syncAll);
  else {
    try {
      await syncAll();
    } finally {
      await store.releaseLease();
    }
  }
  return { status: 'done', summary };

  /** Fetches one day and imports it with its ledger row, or records why it failed. */
  async function syncDay(day: string): Promise<DayOutcome> {
    const previous = await store.ledgerDay(day);
    const imported = previous?.status === 'ok' || (previous?.checksum ?? null) !== null;
    const fetchedAt = now();
    const fail = async (message: string): Promise<DayOutcome> => {
      await store.recordDay({ date: day, fetchedAt: fetchedAt.toISOString(), status: 'failed', message });
      return { day, status: 'failed', message };
    };
    let fetched;
    try {
      fetched = await upstream.fetchDay(day, imported ? (previous?.etag ?? null) : null);
    } catch (error) {
      if (error instanceof BadDay) return fail(error.message);
      throw error;
    }
    if (fetched.status === 'not-modified') {
      await store.recordDay({ date: day, fetchedAt: fetchedAt.toISOString(), status: 'ok', message: null });
      return { day, status: 'unchanged', why: 'etag' };
    }
    if (!JSON_TYPE.test(fetched.contentType)) {
      const start = fetched.bytes.subarray(0, 60).toString('utf8').replace(/\s+/gu, ' ').trim();
      return fail(`expected JSON, got ${fetched.contentType || 'no content type'} (an error page?), starting ${JSON.stringify(start)}`);
    }
    const checksum = createHash('sha256').update(fetched.bytes).digest('hex');
    if (imported && previous?.checksum === checksum) {
      await store.recordDay({ date: day, fetchedAt: fetchedAt.toISOString(), etag: fetched.etag, status: 'ok', message: null });
      return { day, status: 'unchanged', why: 'checksum' };
    }
    const label = `${settings.upstreamUrl}/api/daily_papers?date=${day}`;
    const read = readInputFile({ file: label, bytes: fetched.bytes, checksum }, day);
    const fileLevel = read.problems.some((p) => p.index === null);
    if (read.problems.length > 0 && (fileLevel || !options.skipInvalid)) {
      const more = read.problems.length > 3 ? ` (and ${read.problems.length - 3} more)` : '';
      return fail(read.problems.slice(0, 3).map(describeProblem).join('; ') + more);
    }
    // Upvotes as of the day they were fetched on.
    const observed = dayOf(fetchedAt.getTime());
    return store.run(
      writer.transaction(function* () {
        const counts = yield* writer.mergeRecords(read.records, () => observed);
        yield* answer(store.recordDay({
          date: day,
          fetchedAt: fetchedAt.toISOString(),
          etag: fetched.etag,
          checksum,
          items: read.items,
          papersAdded: counts.papersAdded,
          papersUpdated: counts.papersUpdated,
          status: 'ok',
          message: read.problems.length > 0 ? `${read.problems.length} invalid items skipped` : null,
        }));
        return { day, status: 'imported', items: read.items, papersAdded: counts.papersAdded, papersUpdated: counts.papersUpdated } as const;
      }),
    );
  }
}
