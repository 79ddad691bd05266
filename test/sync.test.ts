// `npm run sync` against a daily-papers API on 127.0.0.1 that replays real
// recorded days (test/upstream.ts), with faults injected: the real migrations,
// importer and SQLite file; the command as a child process where it is killed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openCatalogue, type Database } from '../src/catalogue/index.ts';
import { ledgerDays } from '../src/catalogue/sync-ledger.ts';
import { loadConfig } from '../src/config.ts';
import { runSyncCommand } from '../src/sync/cli.ts';
import { firstDayToSync, runSync, type SyncOptions } from '../src/sync/sync.ts';
import { sqliteSyncStore } from '../src/sync/sync-store.ts';
import { retryAfterMs, USER_AGENT, type Wait } from '../src/sync/upstream.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { client, scratchFolder, seededCatalogue } from './helpers.ts';
import { FIXTURE_DAYS, fixtureItems, startUpstream, type TestUpstream } from './upstream.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const WEEK = { from: '2026-06-22', to: '2026-06-28' };
const quiet = { write: () => true };

let upstream: TestUpstream;
const opened: Database[] = [];

beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.round = 0;
  upstream.paging = true;
  upstream.faults.clear();
  upstream.override.clear();
  upstream.requests.length = 0;
  upstream.onRequest = () => {};
});
afterEach(() => {
  for (const database of opened.splice(0)) if (database.sqlite.open) database.close();
});

/** Short time-outs and backoffs, no spacing: the tests stay fast. */
const env = (extra: Record<string, string> = {}) => ({
  UPSTREAM_URL: upstream.url,
  SYNC_TIMEOUT_MS: '300',
  SYNC_BACKOFF_MS: '10',
  SYNC_SPACING_MS: '0',
  SYNC_RETRIES: '3',
  LOG_LEVEL: 'silent',
  ...extra,
});
const settings = (extra: Record<string, string> = {}) => loadConfig(env(extra)).sync;

function emptyCatalogue(): Database {
  const database = openCatalogue(path.join(scratchFolder(), 'catalogue.db'));
  opened.push(database);
  return database;
}

async function sync(database: Database, options: SyncOptions = {}, extra: Record<string, string> = {}) {
  const result = await runSync(sqliteSyncStore(database), settings(extra), { ...WEEK, ...options });
  if (result.status !== 'done') throw new Error(`sync busy: ${result.holder}`);
  return result.summary;
}

const count = (database: Database, table: string): number => (database.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

type Item = { paper: { id: string; upvotes?: number; title: string; githubStars?: number } };
const items = (day: string) => fixtureItems(day) as Item[];

/** Everything a sync writes, as counts and a checksum of the papers, their upvotes, listing days and history. */
function fingerprint(database: Database) {
  const rows = database.sqlite
    .prepare(
      `SELECT p.arxiv_id, p.upvotes, p.listed_on, p.github_stars, p.organization_id IS NOT NULL AS org,
         (SELECT group_concat(h.date || ':' || h.upvotes, ',') FROM upvote_history h WHERE h.paper_id = p.id) AS history
       FROM papers p ORDER BY p.arxiv_id`,
    )
    .all();
  return {
    papers: count(database, 'papers'),
    authors: count(database, 'authors'),
    organizations: count(database, 'organizations'),
    links: count(database, 'paper_authors'),
    history: count(database, 'upvote_history'),
    days: ledgerDays(database.db).map((d) => `${d.date}:${d.status}:${d.items}:${d.checksum}`),
    checksum: createHash('sha256').update(JSON.stringify(rows)).digest('hex'),
  };
}

describe('npm run sync', () => {
  it('brings an empty catalogue the recorded week: each day through the importer, with its ledger row', async () => {
    const database = emptyCatalogue();
    const summary = await sync(database, {}, { HF_TOKEN: 'hf_test_token' });
    const expected = new Map(FIXTURE_DAYS.flatMap((day) => items(day).map((item) => [item.paper.id, { day, upvotes: item.paper.upvotes ?? 0 }])));
    expect(summary).toMatchObject({ days: 7, imported: 7, unchanged: 0, failed: 0, papersAdded: expected.size, stopped: null });
    expect(count(database, 'papers')).toBe(expected.size);
    const stored = database.sqlite.prepare('SELECT arxiv_id, upvotes, listed_on FROM papers').all() as { arxiv_id: string; upvotes: number; listed_on: string }[];
    for (const paper of stored) expect([paper.listed_on, paper.upvotes]).toEqual([expected.get(paper.arxiv_id)!.day, expected.get(paper.arxiv_id)!.upvotes]);
    // The weekend is an empty day, synced like the others.
    const ledger = ledgerDays(database.db);
    expect(ledger.map((d) => [d.date, d.status, d.items])).toEqual(
      ['2026-06-22', '2026-06-23', '2026-06-24', '2026-06-25', '2026-06-26', '2026-06-27', '2026-06-28'].map((day) => [day, 'ok', FIXTURE_DAYS.includes(day) ? items(day).length : 0]),
    );
    // Polite: named, with the token, one day at a time in order.
    expect(upstream.requests.map((r) => r.day)).toEqual(ledger.map((d) => d.date));
    for (const { headers } of upstream.requests) {
      expect(headers['user-agent']).toBe(USER_AGENT);
      expect(headers.authorization).toBe('Bearer hf_test_token');
    }
  });

  it('imports a day again only when it changed: same ETag gives 304, grown upvotes are re-imported and noted in the history', async () => {
    const database = emptyCatalogue();
    await sync(database, { now: () => new Date('2026-06-29T08:00:00Z') });
    const before = fingerprint(database);
    expect(await sync(database, { now: () => new Date('2026-06-29T09:00:00Z') })).toMatchObject({ imported: 0, unchanged: 7, papersUpdated: 0 });
    expect(upstream.requests.slice(7).every((r) => r.answered === 304 && r.headers['if-none-match'])).toBe(true);
    expect(fingerprint(database)).toEqual({ ...before, days: before.days });

    // A day later, 06-24's listing changed: one title, one paper's upvotes.
    const changed = items('2026-06-24');
    changed[0]!.paper.title = `${changed[0]!.paper.title} (v2)`;
    changed[1]!.paper.upvotes = (changed[1]!.paper.upvotes ?? 0) + 5;
    upstream.override.set('2026-06-24', changed);
    const summary = await sync(database, { now: () => new Date('2026-06-30T08:00:00Z') });
    expect(summary).toMatchObject({ imported: 1, unchanged: 6, papersAdded: 0, papersUpdated: 2 });
    const history = (arxivId: string) =>
      database.sqlite.prepare('SELECT h.date, h.upvotes FROM upvote_history h JOIN papers p ON p.id = h.paper_id WHERE p.arxiv_id = ? ORDER BY h.date').all(arxivId);
    const [first, second] = [changed[0]!.paper, changed[1]!.paper];
    // A row only where the counts changed: the retitled paper keeps its one row.
    expect(history(first.id)).toEqual([{ date: '2026-06-29', upvotes: first.upvotes ?? 0 }]);
    expect(history(second.id)).toEqual([
      { date: '2026-06-29', upvotes: second.upvotes! - 5 },
      { date: '2026-06-30', upvotes: second.upvotes },
    ]);
    expect(count(database, 'upvote_history')).toBe(before.history + 1);
    expect((database.sqlite.prepare('SELECT title FROM papers WHERE arxiv_id = ?').get(first.id) as { title: string }).title).toMatch(/\(v2\)$/u);

    // Paper.upvoteHistory answers the series, all papers' in one statement.
    const api = client(database);
    const query = `{ papers(filter: { listed: { from: "2026-06-24", to: "2026-06-24" } }, first: 50) { nodes { arxivId upvoteHistory { date upvotes githubStars } } } }`;
    let data: { papers: { nodes: { arxivId: string; upvoteHistory: { date: string; upvotes: number; githubStars: number | null }[] }[] } } | undefined;
    const sql = await api.sql(async () => (data = await api.data(query)));
    expect(sql.filter((s) => s.includes('upvote_history'))).toHaveLength(1);
    const byId = new Map(data!.papers.nodes.map((n) => [n.arxivId, n.upvoteHistory]));
    expect(byId.size).toBe(changed.length);
    expect(byId.get(second.id)).toEqual([
      { date: '2026-06-29', upvotes: second.upvotes! - 5, githubStars: second.githubStars ?? null },
      { date: '2026-06-30', upvotes: second.upvotes, githubStars: second.githubStars ?? null },
    ]);
  });

  it('reads a day of more papers than a page holds page by page, and finds it unchanged by its checksum the next time', async () => {
    const week = FIXTURE_DAYS.flatMap((day) => items(day));
    const ids = [...new Set(week.map((item) => item.paper.id))].sort();
    expect(ids.length).toBeGreaterThan(100);
    upstream.override.set('2026-06-24', week);
    const day = { from: '2026-06-24', to: '2026-06-24' };
    const database = emptyCatalogue();
    expect(await sync(database, day)).toMatchObject({ imported: 1, failed: 0, papersAdded: ids.length });
    expect(database.sqlite.prepare('SELECT arxiv_id FROM papers ORDER BY arxiv_id').pluck().all()).toEqual(ids);
    expect(upstream.requests.map((r) => r.p)).toEqual([0, 1]);
    // The first page's ETag says nothing of the second: none is kept, and the list's checksum finds the day unchanged.
    const before = fingerprint(database);
    expect(await sync(database, day)).toMatchObject({ imported: 0, unchanged: 1 });
    expect(upstream.requests.slice(2).map((r) => [r.p, r.headers['if-none-match']])).toEqual([[0, undefined], [1, undefined]]);
    expect(fingerprint(database)).toEqual(before);
    // A server that does not page sends the whole day again for p=1: nothing new, and the day ends there.
    upstream.paging = false;
    const other = emptyCatalogue();
    expect(await sync(other, day)).toMatchObject({ imported: 1, papersAdded: ids.length });
    expect(upstream.requests.slice(4).map((r) => r.p)).toEqual([0, 1]);
  });

  it('waits out a 429, retries 500s and a response slower than the time-out; truncated JSON and an HTML page are failed days, completed by the next run', async () => {
    const database = emptyCatalogue();
    upstream.faults.set('2026-06-22', ['429']);
    upstream.faults.set('2026-06-23', ['500', '500', '500']);
    upstream.faults.set('2026-06-24', ['slow']);
    upstream.faults.set('2026-06-25', ['truncated']);
    upstream.faults.set('2026-06-26', ['html']);
    const waits: Wait[] = [];
    const failed: string[] = [];
    const summary = await sync(database, {
      onWait: (w) => waits.push(w),
      onDay: (o) => void (o.status === 'failed' && failed.push(`${o.day}: ${o.message}`)),
    });
    expect(summary).toMatchObject({ days: 7, imported: 5, failed: 2, stopped: null });
    expect(waits).toEqual([
      { day: '2026-06-22', reason: 'HTTP 429', ms: 1000 },
      { day: '2026-06-23', reason: 'HTTP 500', ms: 10 },
      { day: '2026-06-23', reason: 'HTTP 500', ms: 20 },
      { day: '2026-06-23', reason: 'HTTP 500', ms: 40 },
      { day: '2026-06-24', reason: 'no answer within 300 ms', ms: 10 },
    ]);
    expect(failed).toEqual([
      expect.stringMatching(/^2026-06-25: .*not readable as JSON: /u),
      '2026-06-26: expected JSON, got text/html; charset=utf-8 (an error page?), starting "<!doctype html><html><head><title>503 Service Unavailable</t"',
    ]);
    // Nothing of a failed day was imported, not even an empty day.
    const listed = (day: string) => (database.sqlite.prepare('SELECT count(*) AS n FROM papers WHERE listed_on = ?').get(day) as { n: number }).n;
    expect([listed('2026-06-25'), listed('2026-06-26')]).toEqual([0, 0]);
    expect(ledgerDays(database.db).filter((d) => d.status === 'failed').map((d) => d.date)).toEqual(['2026-06-25', '2026-06-26']);

    // The next run starts at the earliest failed day and completes it.
    expect(await firstDayToSync(sqliteSyncStore(database), 7, '2026-12-01')).toBe('2026-06-25');
    const rerun = await sync(database, { from: null });
    expect(rerun).toMatchObject({ range: { from: '2026-06-25', to: WEEK.to }, imported: 2, unchanged: 2, failed: 0 });
    expect([listed('2026-06-25'), listed('2026-06-26')]).toEqual([items('2026-06-25').length, items('2026-06-26').length]);
  });

  it('stops when the upstream keeps failing, and the next run picks up where it stopped', async () => {
    const database = emptyCatalogue();
    upstream.faults.set('2026-06-24', ['500', '500', '500', '500']);
    const out: string[] = [];
    const err: string[] = [];
    const status = await runSyncCommand(['--from', WEEK.from, '--to', WEEK.to], settings(), () => database, { write: (t: string) => out.push(t) }, { write: (t: string) => err.push(t) });
    expect(status).toBe(1);
    expect(err.join('')).toContain('sync: stopped: 2026-06-24: the upstream could not be reached: HTTP 500, 4 attempts');
    expect(out.at(-1)).toBe(`synced 2026-06-22 to 2026-06-28 from ${upstream.url}: 7 days, 2 imported, 0 unchanged, 0 failed, 5 not reached; papers ${items('2026-06-22').length + items('2026-06-23').length} added, 0 updated.\n`);
    const database2 = openCatalogue(database.sqlite.name);
    opened.push(database2);
    expect(await runSyncCommand(['--to', WEEK.to], settings(), () => database2, quiet, quiet)).toBe(0);
    const database3 = openCatalogue(database.sqlite.name);
    opened.push(database3);
    expect(ledgerDays(database3.db).map((d) => d.date)).toEqual(['2026-06-22', '2026-06-23', '2026-06-24', '2026-06-25', '2026-06-26', '2026-06-27', '2026-06-28']);
  });

  it('refuses bad arguments with a message naming them (exit 2), and a dry run writes nothing', async () => {
    const database = emptyCatalogue();
    const err: string[] = [];
    expect(await runSyncCommand(['--from', '2026-02-30'], settings(), () => database, quiet, { write: (t: string) => err.push(t) })).toBe(2);
    expect(await runSyncCommand(['--from', '2026-06-28', '--to', '2026-06-22'], settings(), () => database, quiet, { write: (t: string) => err.push(t) })).toBe(2);
    expect(err.join('')).toContain('--from must be a day written YYYY-MM-DD; got "2026-02-30"');
    expect(err.join('')).toContain('--from 2026-06-28 is after --to 2026-06-22');
    const out: string[] = [];
    const dry = openCatalogue(database.sqlite.name);
    expect(await runSyncCommand(['--from', WEEK.from, '--to', WEEK.to, '--dry-run'], settings(), () => dry, { write: (t: string) => out.push(t) }, quiet)).toBe(0);
    const papers = new Set(FIXTURE_DAYS.flatMap((day) => items(day).map((i) => i.paper.id))).size;
    expect(out.at(-1)).toBe(`Dry run, nothing written: synced 2026-06-22 to 2026-06-28 from ${upstream.url}: 7 days, 7 imported, 0 unchanged, 0 failed; papers ${papers} added, 0 updated.\n`);
    expect([count(database, 'papers'), count(database, 'sync_days'), count(database, 'sync_runs'), count(database, 'upvote_history')]).toEqual([0, 0, 0, 0]);
  });
});

describe('trending over the upvote history', () => {
  type Ranked = { edges: { score: number; node: { arxivId: string; listedOn: string; trendingScore: number; upvoteHistory: { date: string; upvotes: number }[] } }[] };
  const HOUR = 3_600_000;
  /** The README's formula, by hand: each recorded gain (the first count + 1 on the listing day) halved every half window of age. */
  function byHand(node: Ranked['edges'][number]['node'], asOf: number, windowHours: number): number {
    let before = 0;
    return node.upvoteHistory.reduce((score, point, i) => {
      const at = Date.parse(`${i === 0 || point.date < node.listedOn ? node.listedOn : point.date}T00:00:00Z`);
      const age = (asOf - at) / HOUR;
      const gain = point.upvotes + 1 - before;
      before = point.upvotes + 1;
      return score + (age >= 0 && age <= windowHours ? gain * 2 ** (-age / (windowHours / 2)) : 0);
    }, 0);
  }

  it("ranks a window's papers by what they gained in it: an older paper that gained lately trends, by the formula done by hand", async () => {
    const database = emptyCatalogue();
    await sync(database, { now: () => new Date('2026-06-29T08:00:00Z') });
    // On 06-30 a paper listed on 06-22, before the week that ends then, gains 150 upvotes.
    const day = items('2026-06-22');
    const riser = day[0]!.paper;
    riser.upvotes = (riser.upvotes ?? 0) + 150;
    upstream.override.set('2026-06-22', day);
    await sync(database, { now: () => new Date('2026-06-30T08:00:00Z') });

    const asOf = '2026-07-01T00:00:00Z';
    const fields = 'edges { score node { arxivId listedOn trendingScore(asOf: $asOf, window: $window) upvoteHistory { date upvotes } } }';
    const ranked = async (window: string): Promise<Ranked> =>
      (await client(database).data<{ trendingPapers: Ranked }>(`query($asOf: DateTime!, $window: TrendingWindow!) { trendingPapers(asOf: $asOf, window: $window, first: 100) { ${fields} } }`, { asOf, window })).trendingPapers;

    const week = await ranked('WEEK');
    const weekDays = (node: Ranked['edges'][number]['node']) => node.listedOn >= '2026-06-24' || node.upvoteHistory.some((h) => h.date >= '2026-06-24');
    expect(week.edges.length).toBe(fingerprint(database).papers - items('2026-06-22').length - items('2026-06-23').length + 1);
    expect(week.edges.every(({ node }) => weekDays(node))).toBe(true);
    const top = week.edges[0]!;
    expect(top.node.arxivId).toBe(riser.id);
    expect(top.score).toBeCloseTo(150 * 2 ** (-24 / 84), 9);
    for (const { score, node } of week.edges) {
      expect([node.arxivId, score]).toEqual([node.arxivId, expect.closeTo(byHand(node, Date.parse(asOf), 168), 9)]);
      expect(node.trendingScore).toBe(score);
    }
    const scores = week.edges.map((e) => e.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    // The day before asOf listed nothing: the riser's gain is the whole DAY list.
    const day30 = await ranked('DAY');
    expect(day30.edges.map((e) => [e.node.arxivId, e.score])).toEqual([[riser.id, expect.closeTo(150 * 2 ** (-24 / 12), 9)]]);
  });
});

describe('upvote history of file imports', () => {
  it('the bundled seeds: each paper as of its listing day, a second row only where a later listing changed its counts', () => {
    const seeds = path.join(ROOT, 'seeds');
    const gz = (file: string) => JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as unknown[];
    const seedPage = new Set((gz(path.join(seeds, 'seed-papers.json.gz')) as { arxivId: string }[]).map((p) => p.arxivId));
    const expected = new Map<string, { date: string; upvotes: number; github_stars: number | null }[]>();
    for (const name of readdirSync(path.join(seeds, 'daily-papers')).sort()) {
      for (const { paper } of gz(path.join(seeds, 'daily-papers', name)) as Item[]) {
        const rows = expected.get(paper.id) ?? [];
        const last = rows.at(-1);
        const row = { date: name.slice(0, 10), upvotes: paper.upvotes ?? 0, github_stars: paper.githubStars ?? last?.github_stars ?? null };
        if (!last || last.upvotes !== row.upvotes || last.github_stars !== row.github_stars) rows.push(row);
        expected.set(paper.id, rows);
      }
    }
    const database = seededCatalogue();
    opened.push(database);
    const stored = new Map<string, { date: string; upvotes: number; github_stars: number | null }[]>();
    const all = database.sqlite
      .prepare('SELECT p.arxiv_id, h.date, h.upvotes, h.github_stars FROM upvote_history h JOIN papers p ON p.id = h.paper_id ORDER BY p.arxiv_id, h.date')
      .all() as { arxiv_id: string; date: string; upvotes: number; github_stars: number | null }[];
    for (const { arxiv_id, ...row } of all) stored.set(arxiv_id, [...(stored.get(arxiv_id) ?? []), row]);
    const daily = [...expected.keys()].filter((id) => !seedPage.has(id));
    expect(daily.length).toBeGreaterThan(4000);
    for (const id of daily) expect([id, stored.get(id)]).toEqual([id, expected.get(id)]);
    expect([...expected.values()].filter((rows) => rows.length > 1).length).toBeGreaterThan(0);
  });
});

describe('sync settings', () => {
  it('reads SYNC_INTERVAL as a duration, off by default, and names a bad value', () => {
    expect(loadConfig({}).sync).toMatchObject({ upstreamUrl: 'https://huggingface.co', intervalMs: null, refreshDays: 7, token: null });
    expect(loadConfig({ SYNC_INTERVAL: '15m' }).sync.intervalMs).toBe(900_000);
    expect(loadConfig({ SYNC_INTERVAL: '1h' }).sync.intervalMs).toBe(3_600_000);
    expect(() => loadConfig({ SYNC_INTERVAL: 'hourly' })).toThrow('SYNC_INTERVAL must be a duration like 15m, 1h or 1d, or off; got "hourly"');
    expect(() => loadConfig({ UPSTREAM_URL: 'ftp://example.org' })).toThrow('UPSTREAM_URL must be a http: or https: URL; got "ftp://example.org"');
  });

  it('shows a progress bar on a terminal (stderr) and ends with the one-line summary', async () => {
    const database = emptyCatalogue();
    const out: string[] = [];
    const err: string[] = [];
    const tty = (into: string[]) => ({ isTTY: true, write: (t: string) => into.push(t) });
    expect(await runSyncCommand(['--from', '2026-06-22', '--to', '2026-06-23'], settings(), () => database, tty(out), tty(err))).toBe(0);
    expect(err.filter((t) => t.startsWith('\r['))).toEqual([
      '\r[###############...............] 1/2 2026-06-22\x1b[K',
      '\r[##############################] 2/2 2026-06-23\x1b[K',
    ]);
    expect(out).toEqual([`synced 2026-06-22 to 2026-06-23 from ${upstream.url}: 2 days, 2 imported, 0 unchanged, 0 failed; papers ${items('2026-06-22').length + items('2026-06-23').length} added, 0 updated.\n`]);
  });
});

describe('the wait a 429 asks for', () => {
  const now = Date.parse('2026-06-29T12:00:00Z');
  it('reads Retry-After in seconds or as an HTTP date, RateLimit-Reset, and RateLimit t=', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '7' }), now)).toBe(7000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Mon, 29 Jun 2026 12:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMs(new Headers({ 'ratelimit-reset': '12' }), now)).toBe(12_000);
    expect(retryAfterMs(new Headers({ 'ratelimit-reset': String(now / 1000 + 5) }), now)).toBe(5000);
    expect(retryAfterMs(new Headers({ ratelimit: '"api";r=0;t=55' }), now)).toBe(55_000);
    expect(retryAfterMs(new Headers({}), now)).toBeNull();
  });
});

/** `npm run sync` as a child process (npx → tsx → node), in its own process group. */
function startSync(args: string[], databasePath: string, extra: Record<string, string> = {}) {
  const child = spawn('npx', ['tsx', 'src/main.ts', 'sync', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env(extra), DATABASE_PATH: databasePath },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const done = new Promise<{ code: number | null; output: string }>((resolve) => child.on('close', (code) => resolve({ code, output })));
  return { child, done };
}
const killGroup = (pid: number) => {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone already
  }
};

describe('a sync cut short, and two at once', () => {
  it('killed with SIGKILL part-way, the same command run again gives what an uninterrupted sync gives', async () => {
    const killed = emptyCatalogue();
    const file = killed.sqlite.name;
    killed.close();
    const args = ['--from', '2026-06-22', '--to', '2026-06-26'];
    const run = startSync(args, file);
    // Killed when it asks for the third day: two days are committed, the third never arrives.
    upstream.onRequest = (day) => {
      if (day === '2026-06-24') killGroup(run.child.pid!);
    };
    expect((await run.done).code).not.toBe(0);
    upstream.onRequest = () => {};
    const partial = openCatalogue(file);
    opened.push(partial);
    expect(ledgerDays(partial.db).map((d) => d.date)).toEqual(['2026-06-22', '2026-06-23']);
    const runStatus = () => partial.sqlite.prepare('SELECT status FROM sync_runs ORDER BY id').pluck().all();
    expect(runStatus()).toEqual(['running']);
    // The dead process's lease does not hold the rerun up.
    expect(await runSyncCommand(args, settings(), () => partial, quiet, quiet)).toBe(0);

    const afterRerun = openCatalogue(file);
    opened.push(afterRerun);
    // The killed run is counted as failed once the rerun holds the lease.
    expect(afterRerun.sqlite.prepare('SELECT status FROM sync_runs ORDER BY id').pluck().all()).toEqual(['failed', 'ok']);
    const whole = emptyCatalogue();
    expect(await runSyncCommand(args, settings(), () => whole, quiet, quiet)).toBe(0);
    const resumed = openCatalogue(file);
    opened.push(resumed);
    const uninterrupted = openCatalogue(whole.sqlite.name);
    opened.push(uninterrupted);
    expect(fingerprint(resumed)).toEqual(fingerprint(uninterrupted));
    expect(fingerprint(resumed).papers).toBe(new Set(['2026-06-22', '2026-06-23', '2026-06-24', '2026-06-25', '2026-06-26'].flatMap((d) => items(d).map((i) => i.paper.id))).size);
  }, 90_000);

  it('two syncers started at once: one does the work, each day is fetched once, the other says so and exits 3', async () => {
    const database = emptyCatalogue();
    const file = database.sqlite.name;
    database.close();
    const args = ['--from', '2026-06-22', '--to', '2026-06-24'];
    const runs = [startSync(args, file, { SYNC_TIMEOUT_MS: '30000' }), startSync(args, file, { SYNC_TIMEOUT_MS: '30000' })];
    // The first request waits until one of the two has given up, so that they overlap.
    let gaveUp: { code: number | null; output: string } | undefined;
    void Promise.race(runs.map((r) => r.done)).then((first) => (gaveUp = first));
    upstream.onRequest = async () => {
      for (let i = 0; i < 400 && !gaveUp; i++) await new Promise((r) => setTimeout(r, 50));
    };
    const results = await Promise.all(runs.map((r) => r.done));
    expect(results.map((r) => r.code).sort()).toEqual([0, 3]);
    expect(results.find((r) => r.code === 3)!.output).toMatch(/another sync is running \(.+:\d+, lease until .+\); nothing done/u);
    expect(upstream.requests.map((r) => r.day)).toEqual(['2026-06-22', '2026-06-23', '2026-06-24']);
  }, 90_000);
});
