// SYNC_INTERVAL: the server syncs on its own, one process at a time (the
// sync's lease), and once a day, an ISO week or a month is complete and
// synced, queues its digests, once. An upstream that cannot be reached is
// logged and counted (sync_runs); the server serves on regardless.
import type { CatalogueReads } from '../catalogue/catalogue.ts';
import { addDays, dayStart, periodContaining, type Period } from '../catalogue/dates.ts';
import type { MaybePromise } from '../catalogue/maybe.ts';
import type { SyncSettings } from '../config.ts';
import { log } from '../log.ts';
import { latestCompletePeriodDay, queueDigests } from '../mail/digests.ts';
import type { MailStore } from '../mail/mail-store.ts';
import { summarizeSync } from './cli.ts';
import type { SyncStore } from './sync-store.ts';
import { runSync } from './sync.ts';

const PERIODS: Period[] = ['DAY', 'WEEK', 'MONTH'];

/**
 * Queues the digests of the latest complete day, week and month whose every
 * day was synced after the period ended, unless queued before. Returns the
 * periods queued now.
 */
export async function queueCompletedDigests(
  sync: SyncStore,
  { mailStore, catalogue }: Pick<SyncSources, 'mailStore' | 'catalogue'>,
  publicUrl: string,
  now: Date,
): Promise<{ period: Period; start: string; mails: number }[]> {
  const synced = new Map((await sync.ledgerDays()).filter((d) => d.status === 'ok').map((d) => [d.date, Date.parse(d.fetchedAt)]));
  const queued = [];
  for (const period of PERIODS) {
    const span = periodContaining(period, latestCompletePeriodDay(period, now));
    if (await sync.wasScheduled(period, span.start)) continue;
    const ended = dayStart(addDays(span.end, 1));
    let complete = true;
    for (let day = span.start; day <= span.end && complete; day = addDays(day, 1)) complete = (synced.get(day) ?? 0) >= ended;
    if (!complete) continue;
    const { keys } = await queueDigests(mailStore, catalogue, publicUrl, period, span.start, now);
    await sync.markScheduled(period, span.start, keys.length, now);
    queued.push({ period, start: span.start, mails: keys.length });
  }
  return queued;
}

export interface SyncSchedule {
  /** Stops the timer and waits for a run in progress (which stops after its current day). */
  stop(): Promise<void>;
}

/** What the scheduled sync works on: its store, and the subscriptions and papers of the digests it queues. */
export interface SyncSources {
  /** The sync's store for one run, closed after it (on PostgreSQL it holds a connection). */
  openSyncStore(): MaybePromise<SyncStore>;
  mailStore: MailStore;
  catalogue: CatalogueReads;
}

export function startSyncSchedule(
  sources: SyncSources,
  settings: SyncSettings & { intervalMs: number },
  mail: { publicUrl: () => string; nudge: () => void },
  now: () => Date = () => new Date(),
): SyncSchedule {
  let running: Promise<void> | null = null;
  let stopped = false;
  async function syncOnce(sync: SyncStore): Promise<void> {
    const result = await runSync(sync, settings, { now, shouldStop: () => stopped });
    if (result.status === 'busy') {
      log.debug('sync skipped: another process is syncing', { holder: result.holder });
      return;
    }
    const { summary } = result;
    if (summary.stopped && !stopped) log.warn('sync stopped: the upstream could not be reached', { upstream: settings.upstreamUrl, reason: summary.stopped });
    else if (summary.failed > 0) log.warn('sync: days failed', { summary: summarizeSync(summary, settings.upstreamUrl) });
    else log.info('synced', { summary: summarizeSync(summary, settings.upstreamUrl) });
    if (stopped) return;
    const queued = await queueCompletedDigests(sync, sources, mail.publicUrl(), now());
    if (queued.length > 0) {
      log.info('digests queued', { queued });
      mail.nudge();
    }
  }
  const run = (): void => {
    if (running || stopped) return;
    running = (async () => {
      const sync = await sources.openSyncStore();
      try {
        await syncOnce(sync);
      } finally {
        await sync.close?.();
      }
    })()
      .catch((error: unknown) => log.error('sync failed', { error }))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(run, settings.intervalMs);
  timer.unref();
  // Not before the server listens: start-up never waits for the upstream.
  setImmediate(run);
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
