// SYNC_INTERVAL: the real server on a port syncs on its own from the replayed
// daily-papers API, queues the digests of a completed week once, delivers them
// through a real SMTP server, and reports the sync in /metrics.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalogue } from '../src/catalogue/index.ts';
import { activateSubscription, createSubscription } from '../src/catalogue/subscriptions.ts';
import { loadConfig } from '../src/config.ts';
import { runSync } from '../src/sync/sync.ts';
import { sqliteSyncStore } from '../src/sync/sync-store.ts';
import { startServer } from '../src/server.ts';
import { client, scratchFolder } from './helpers.ts';
import { startSmtp, type TestSmtp } from './smtp.ts';
import { FIXTURE_DAYS, fixtureItems, startUpstream, type TestUpstream } from './upstream.ts';

let upstream: TestUpstream;
let smtp: TestSmtp;
beforeAll(async () => {
  [upstream, smtp] = await Promise.all([startUpstream(), startSmtp()]);
});
afterAll(async () => {
  await Promise.all([upstream.close(), smtp.stop()]);
});

const weekPapers = new Set(FIXTURE_DAYS.flatMap((day) => (fixtureItems(day) as { paper: { id: string } }[]).map((i) => i.paper.id))).size;

const env = (databasePath: string, extra: Record<string, string> = {}) => ({
  DATABASE_PATH: databasePath,
  PORT: '0',
  SEEDS: 'off',
  LOG_LEVEL: 'silent',
  SMTP_URL: smtp.url,
  MAIL_POLL_MS: '50',
  UPSTREAM_URL: upstream.url,
  SYNC_INTERVAL: '200ms',
  SYNC_TIMEOUT_MS: '300',
  SYNC_BACKOFF_MS: '10',
  SYNC_SPACING_MS: '0',
  ...extra,
});

const runs = (file: string) => {
  const database = openCatalogue(file);
  try {
    return database.sqlite.prepare("SELECT status, count(*) AS n FROM sync_runs WHERE status <> 'running' GROUP BY status").all() as { status: string; n: number }[];
  } finally {
    database.close();
  }
};

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const metric = (text: string, name: string): number | null => {
  const match = new RegExp(`^${name} (\\S+)$`, 'mu').exec(text);
  return match ? Number(match[1]) : null;
};

describe('the server keeps itself current', () => {
  it('syncs on SYNC_INTERVAL, queues the completed week’s digests once, and /metrics shows the last sync', async () => {
    const file = path.join(scratchFolder(), 'catalogue.db');
    const setup = openCatalogue(file);
    const subscriber = createSubscription(setup.db, 'weekly@example.org', { period: 'WEEK', organizations: [], query: null }, new Date('2026-06-01T00:00:00Z'));
    activateSubscription(setup.db, subscriber.id, new Date('2026-06-01T00:00:00Z'));
    setup.close();
    // Monday morning: the week of 2026-06-22 ended last night. Eight days back reaches its Monday.
    const server = await startServer(loadConfig(env(file, { SYNC_REFRESH_DAYS: '8' })), { now: () => new Date('2026-06-29T06:00:00Z') });
    try {
      const [digest] = await smtp.waitFor(1);
      expect(digest!.subject).toBe(`${weekPapers} papers: weekly digest 2026-06-22 to 2026-06-28`);
      expect((digest!.to as { text: string }).text).toBe('weekly@example.org');
      // Later runs (every 200 ms) find the week queued already: nothing more is sent.
      await until(() => (runs(file).find((r) => r.status === 'ok')?.n ?? 0) >= 3, 'three sync runs');
      await new Promise((r) => setTimeout(r, 200));
      expect(smtp.received).toHaveLength(1);
      const check = openCatalogue(file);
      expect(check.sqlite.prepare('SELECT period, start, mails FROM digest_schedule ORDER BY period').all()).toEqual([
        { period: 'DAY', start: '2026-06-28', mails: 0 },
        { period: 'WEEK', start: '2026-06-22', mails: 1 },
      ]);
      check.close();

      const metrics = await (await fetch(new URL('/metrics', server.url))).text();
      expect(metric(metrics, 'catalogue_sync_papers_added')).toBe(weekPapers);
      expect(metric(metrics, 'catalogue_sync_last_success_timestamp_seconds')).toBe(Date.parse('2026-06-29T06:00:00Z') / 1000);
      expect(metric(metrics, 'catalogue_sync_last_success_age_seconds')).toBeGreaterThan(0);
      expect(metric(metrics, 'catalogue_sync_failed_runs')).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('with the upstream unreachable it starts and is ready all the same; the failed runs are counted', async () => {
    const file = path.join(scratchFolder(), 'catalogue.db');
    const server = await startServer(loadConfig(env(file, { UPSTREAM_URL: 'http://127.0.0.1:9', SYNC_RETRIES: '0' })));
    try {
      expect((await fetch(new URL('/ready', server.url))).status).toBe(200);
      await until(() => (runs(file).find((r) => r.status === 'failed')?.n ?? 0) >= 1, 'a failed run');
      expect((await fetch(new URL('/ready', server.url))).status).toBe(200);
      const metrics = await (await fetch(new URL('/metrics', server.url))).text();
      expect(metric(metrics, 'catalogue_sync_failed_runs')).toBeGreaterThanOrEqual(1);
      expect(metric(metrics, 'catalogue_sync_last_success_timestamp_seconds')).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('a sync drops the cached responses, from this connection or another process’s', async () => {
    const file = path.join(scratchFolder(), 'catalogue.db');
    const database = openCatalogue(file);
    const api = client(database); // the response cache is on (RESPONSE_CACHE_TTL_MS default)
    const total = async () => (await api.data<{ papers: { totalCount: number } }>('{ papers { totalCount } }')).papers.totalCount;
    expect(await total()).toBe(0);
    const settings = loadConfig(env(file)).sync;
    await runSync(sqliteSyncStore(database), settings, { from: '2026-06-22', to: '2026-06-22' });
    expect(await total()).toBe((fixtureItems('2026-06-22') as unknown[]).length);
    const other = openCatalogue(file);
    await runSync(sqliteSyncStore(other), settings, { from: '2026-06-23', to: '2026-06-23' });
    other.close();
    expect(await total()).toBe((fixtureItems('2026-06-22') as unknown[]).length + (fixtureItems('2026-06-23') as unknown[]).length);
    database.close();
  });
});
