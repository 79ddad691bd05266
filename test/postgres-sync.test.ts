// The sync on PostgreSQL, against a real server that this file starts
// (test/postgres.ts), a local upstream replaying recorded daily-papers
// responses (test/upstream.ts) and a real SMTP server: two servers on one
// database with SYNC_INTERVAL sync the week once between them, queue its
// digest once, and both answer the new papers; one sync holds the lease at a
// time, and a holder whose connection is gone holds nothing; `npm run sync`
// with DATABASE_URL syncs, and its dry run writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { openPostgres, type PostgresDatabase } from '../src/db/postgres.ts';
import { startServer, type Running } from '../src/server.ts';
import { runSyncCommand } from '../src/sync/cli.ts';
import { openPostgresSyncStore } from '../src/sync/pg-sync-store.ts';
import { startPostgres, type PostgresServer } from './postgres.ts';
import { POSTGRESQL, skipReason } from './prerequisites.ts';
import { startSmtp, type TestSmtp } from './smtp.ts';
import { FIXTURE_DAYS, fixtureItems, startUpstream, type TestUpstream } from './upstream.ts';

const weekPapers = new Set(FIXTURE_DAYS.flatMap((day) => (fixtureItems(day) as { paper: { id: string } }[]).map((i) => i.paper.id))).size;
const MONDAY = new Date('2026-06-29T06:00:00Z');

async function until(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; !(await check()); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(skipReason(POSTGRESQL))('sync with DATABASE_URL', { timeout: 120_000 }, () => {
  let server: PostgresServer;
  let upstream: TestUpstream;
  let smtp: TestSmtp;

  beforeAll(async () => {
    [server, upstream, smtp] = await Promise.all([startPostgres(), startUpstream(), startSmtp()]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([server?.stop(), upstream?.close(), smtp?.stop()]);
  });

  const env = (url: string, extra: Record<string, string> = {}) => ({
    DATABASE_URL: url,
    PORT: '0',
    SEEDS: 'off',
    LOG_LEVEL: 'silent',
    SMTP_URL: smtp.url,
    MAIL_POLL_MS: '50',
    UPSTREAM_URL: upstream.url,
    SYNC_TIMEOUT_MS: '300',
    SYNC_BACKOFF_MS: '10',
    SYNC_SPACING_MS: '0',
    ...extra,
  });

  it('two servers with SYNC_INTERVAL sync the week once between them, queue its digest once, and both answer the new papers', async () => {
    const url = await server.createDatabase('scheduled');
    const database = await openPostgres(url, { watch: false });
    await database.pool.query(
      `INSERT INTO subscriptions (email, period, organizations, query, settings, status, created_at, confirmed_at)
       VALUES ('weekly@example.org', 'WEEK', '[]', NULL, '["WEEK",[],""]', 'active', '2026-06-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z')`,
    );
    smtp.received.length = 0;
    const config = loadConfig(env(url, { SYNC_INTERVAL: '200ms', SYNC_REFRESH_DAYS: '8' }));
    const servers: Running[] = await Promise.all([startServer(config, { now: () => MONDAY }), startServer(config, { now: () => MONDAY })]);
    try {
      const [digest] = await smtp.waitFor(1, 30_000);
      expect(digest!.subject).toBe(`${weekPapers} papers: weekly digest 2026-06-22 to 2026-06-28`);
      const okRuns = async () => (await database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM sync_runs WHERE status = 'ok'")).rows[0]!.n;
      await until(async () => (await okRuns()) >= 4, 'four sync runs');
      await new Promise((r) => setTimeout(r, 300));
      expect(smtp.received).toHaveLength(1);
      const { rows: schedule } = await database.pool.query('SELECT period, start, mails FROM digest_schedule ORDER BY period');
      expect(schedule).toEqual([
        { period: 'DAY', start: '2026-06-28', mails: 0 },
        { period: 'WEEK', start: '2026-06-22', mails: 1 },
      ]);
      const { rows: papers } = await database.pool.query<{ n: number; distinct: number }>('SELECT count(*)::int AS n, count(DISTINCT arxiv_id)::int AS distinct FROM papers');
      expect(papers[0]).toEqual({ n: weekPapers, distinct: weekPapers });
      // Each instance's cache was dropped by the other's commits: both count the week's papers.
      for (const running of servers) {
        const response = await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ papers { totalCount } }"}' });
        expect(await response.json()).toMatchObject({ data: { papers: { totalCount: weekPapers } } });
      }
      const metrics = await (await fetch(new URL('/metrics', servers[0]!.url))).text();
      expect(metrics).toMatch(new RegExp(`^catalogue_sync_papers_added ${weekPapers}$`, 'mu'));
    } finally {
      await Promise.all(servers.map((s) => s.close()));
      await database.close();
    }
  });

  it('lets one sync hold the lease at a time, and frees it the moment its holder’s connection is gone', async () => {
    const database = await openPostgres(await server.createDatabase('leases'), { watch: false });
    const [a, b] = await Promise.all([openPostgresSyncStore(database), openPostgresSyncStore(database)]);
    try {
      expect(await a.takeLease(MONDAY, 60_000)).toEqual({ taken: true });
      expect(await a.takeLease(MONDAY, 60_000)).toEqual({ taken: true }); // renewed
      expect(await b.takeLease(MONDAY, 60_000)).toMatchObject({ taken: false, holder: expect.stringMatching(/:\d+$/u) });
      await a.releaseLease();
      expect(await b.takeLease(MONDAY, 60_000)).toEqual({ taken: true });
      // B's process dies: its connection is cut, and A takes over at once, long before any expiry.
      await database.pool.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()");
      await until(async () => (await a.takeLease(MONDAY, 60_000)).taken, 'the lease freed');
    } finally {
      await a.close?.();
      await b.close?.().catch(() => {});
      await database.close();
    }
  });

  it('takes the lease from a holder that hangs, still connected, once the lease’s time has passed', async () => {
    const database = await openPostgres(await server.createDatabase('hung-lease'), { watch: false });
    const [a, b] = await Promise.all([openPostgresSyncStore(database), openPostgresSyncStore(database)]);
    try {
      // A takes a short lease and then says nothing, as a process stuck in a call that never returns.
      expect(await a.takeLease(MONDAY, 300)).toEqual({ taken: true });
      expect(await b.takeLease(MONDAY, 60_000)).toMatchObject({ taken: false });
      await until(async () => (await b.takeLease(MONDAY, 300)).taken, 'the hung holder’s lease freed', 10_000);
      // A's connection went with the lease: nothing it does afterwards reaches the database.
      const lost = await Promise.resolve(a.ledgerDays()).then(() => null, (error: Error) => error);
      expect((lost?.cause as Error | undefined)?.message).toMatch(/idle-session timeout|not queryable|terminated/iu);
      // The timeouts go with the lease: B, having given it back, keeps its connection however long it waits.
      await b.releaseLease();
      await new Promise((resolve) => setTimeout(resolve, 900));
      expect(await b.ledgerDays()).toEqual([]);
    } finally {
      await a.close?.().catch(() => {});
      await b.close?.();
      await database.close();
    }
  });

  it('npm run sync with DATABASE_URL syncs the days asked for; its dry run writes nothing', async () => {
    const url = await server.createDatabase('command');
    const settings = loadConfig(env(url)).sync;
    const open = () => openPostgres(url, { max: 2, watch: false });
    const out: string[] = [];
    const quiet = { write: () => true };
    const [first, second] = FIXTURE_DAYS;
    expect(await runSyncCommand(['--from', first!, '--to', second!, '--dry-run'], settings, open, { write: (t: string) => out.push(t) }, quiet)).toBe(0);
    const database = await open();
    try {
      const count = async (table: string) => (await database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
      expect(out.join('')).toMatch(/dry run/iu);
      expect([await count('papers'), await count('sync_days'), await count('sync_runs')]).toEqual([0, 0, 0]);
      expect(await runSyncCommand(['--from', first!, '--to', second!], settings, open, quiet, quiet)).toBe(0);
      const expected = new Set([first!, second!].flatMap((day) => (fixtureItems(day) as { paper: { id: string } }[]).map((i) => i.paper.id))).size;
      expect([await count('papers'), await count('sync_days'), await count('sync_runs')]).toEqual([expected, 2, 1]);
    } finally {
      await database.close();
    }
  });
});
