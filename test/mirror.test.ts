// A second catalogue whose UPSTREAM_URL is this server (issue 19): server A is
// the real server on a port over a copy of the seeded catalogue; catalogue B,
// empty, is synced from A's /api/daily_papers by `npm run sync` and by a
// second real server with SYNC_INTERVAL, and both are compared with A through
// GraphQL: the same papers, authors in order, organizations, upvotes and
// listing days.
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addDays } from '../src/catalogue/dates.ts';
import { openCatalogue } from '../src/catalogue/index.ts';
import { ledgerDays } from '../src/catalogue/sync-ledger.ts';
import { loadConfig } from '../src/config.ts';
import { importFiles } from '../src/ingest/importer.ts';
import { startServer, type Running } from '../src/server.ts';
import { runSyncCommand } from '../src/sync/cli.ts';
import { client, scratchFolder } from './helpers.ts';

type Query = (query: string, variables?: Record<string, unknown>) => Promise<any>;

const overHttp =
  (url: string): Query =>
  async (query, variables) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { data?: unknown; errors?: unknown };
    expect(body.errors).toBeUndefined();
    return body.data;
  };

const FIELDS = `arxivId title abstract publishedAt listedOn upvotes authorCount authors { name accountName }
  organization { slug name avatarUrl } githubUrl githubStars projectUrl thumbnailUrl aiSummary aiKeywords commentCount`;

/** Every paper listed from `from` to `to`, by arXiv id. */
async function listed(query: Query, from: string, to: string): Promise<any[]> {
  const nodes: any[] = [];
  let after: string | null = null;
  do {
    const { papers }: any = await query(
      `query($from: Date!, $to: Date!, $after: String) { papers(filter: {listed: {from: $from, to: $to}}, orderBy: {field: UPVOTES}, first: 100, after: $after) {
        nodes { ${FIELDS} } pageInfo { hasNextPage endCursor } } }`,
      { from, to, after },
    );
    nodes.push(...papers.nodes);
    after = papers.pageInfo.hasNextPage ? papers.pageInfo.endCursor : null;
  } while (after);
  return nodes.sort((a, b) => (a.arxivId < b.arxivId ? -1 : 1));
}

const papersByDay = (papers: { listedOn: string }[]) => {
  const counts = new Map<string, number>();
  for (const p of papers) counts.set(p.listedOn, (counts.get(p.listedOn) ?? 0) + 1);
  return counts;
};

let a: Running;
let queryA: Query;
let origin: string;
/** The days synced: from the first listing day to the day before the fourth. */
let from: string;
let to: string;
let expected: any[];

beforeAll(async () => {
  const folder = scratchFolder();
  const file = path.join(folder, 'a.db');
  copyFileSync(path.join(inject('runFolder'), 'seeded.db'), file);
  a = await startServer(loadConfig({ DATABASE_PATH: file, PORT: '0', SEEDS: 'off', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0', OUTBOX_DIR: path.join(folder, 'outbox') }));
  queryA = overHttp(a.url);
  origin = new URL(a.url).origin;
  // A's latest eight listing days: the first three are synced, the papers of the last five are moved.
  const latest: string[] = [];
  for (let after: string | null = null; latest.length < 8; ) {
    const { papers } = await queryA('query($after: String) { papers(orderBy: {field: LISTED_ON}, first: 100, after: $after) { nodes { listedOn } pageInfo { endCursor } } }', { after });
    for (const { listedOn } of papers.nodes as { listedOn: string }[]) if (!latest.includes(listedOn)) latest.push(listedOn);
    after = papers.pageInfo.endCursor;
  }
  latest.splice(8);
  latest.sort();
  [from, to] = [latest[0]!, addDays(latest[3]!, -1)];
  // No seed day lists more than 50 papers, and the upstream pages by 100: the
  // papers of A's five latest days, exported by A and imported again as listed
  // on the first day synced (a listing day only moves earlier), make that a
  // day of more than 100.
  const moved = [];
  for (const day of latest.slice(3)) {
    const response = await fetch(`${origin}/api/daily_papers?date=${day}&limit=100`);
    moved.push(...((await response.json()) as unknown[]));
  }
  const extra = path.join(folder, `${from}.json`);
  writeFileSync(extra, JSON.stringify(moved));
  const writer = openCatalogue(file);
  expect(importFiles(writer, [extra]).rejected).toBe(0);
  writer.close();
  expected = await listed(queryA, from, to);
  expect(papersByDay(expected).get(from)).toBeGreaterThan(100);
});

afterAll(() => a?.close());

const syncEnv = (databasePath: string, extra: Record<string, string> = {}) =>
  loadConfig({ DATABASE_PATH: databasePath, SEEDS: 'off', LOG_LEVEL: 'silent', UPSTREAM_URL: origin, SYNC_SPACING_MS: '0', SYNC_BACKOFF_MS: '10', ...extra });

const lines = () => {
  const text: string[] = [];
  return { text, write: (chunk: string) => text.push(chunk) };
};

describe('a catalogue synced from another server', () => {
  it('npm run sync from server A gives the same papers, authors, organizations, upvotes and listing days; a second run imports nothing', async () => {
    const file = path.join(scratchFolder(), 'b.db');
    const config = syncEnv(file);
    const [out, err] = [lines(), lines()];
    expect(await runSyncCommand(['--from', from, '--to', to], config.sync, () => openCatalogue(file), out, err)).toBe(0);
    expect(err.text).toEqual([]);

    const b = client(openCatalogue(file));
    const copy = await listed((q, v) => b.data(q, v), from, to);
    expect(copy.map((p) => p.arxivId)).toEqual(expected.map((p) => p.arxivId));
    expect(copy).toEqual(expected);
    // Every day of the range is in the ledger, with as many items as A lists on it.
    const perDay = papersByDay(expected);
    const ledger = ledgerDays(b.database.db);
    expect(ledger.map((d) => [d.date, d.status, d.items])).toEqual(
      Array.from({ length: ledger.length }, (_, i) => addDays(from, i)).map((day) => [day, 'ok', perDay.get(day) ?? 0]),
    );
    expect(ledger.at(-1)!.date).toBe(to);

    // Again: every day unchanged (the ETag, or for a day of several pages the checksum), nothing re-imported.
    const again = lines();
    expect(await runSyncCommand(['--from', from, '--to', to], config.sync, () => openCatalogue(file), again, err)).toBe(0);
    const why = (day: string) => /unchanged since the last sync \(same (ETag|checksum)\)/u.exec(again.text.find((l) => l.startsWith(`${day}:`)) ?? '')?.[1];
    expect(ledger.map((d) => why(d.date))).toEqual(ledger.map((d) => (d.date === from ? 'checksum' : 'ETag')));
    expect(again.text.at(-1)).toContain(`${ledger.length} days, 0 imported, ${ledger.length} unchanged, 0 failed; papers 0 added, 0 updated`);
    expect(ledgerDays(b.database.db).map((d) => [d.date, d.checksum, d.items])).toEqual(ledger.map((d) => [d.date, d.checksum, d.items]));
    expect(await listed((q, v) => b.data(q, v), from, to)).toEqual(expected);
    b.database.close();
  });

  it('a second server with UPSTREAM_URL set to server A and SYNC_INTERVAL syncs the same catalogue on its own', async () => {
    const folder = scratchFolder();
    const file = path.join(folder, 'b.db');
    // The morning after the range; SYNC_REFRESH_DAYS reaches back to its first day.
    const days = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
    const config = syncEnv(file, { PORT: '0', SYNC_INTERVAL: '200ms', SYNC_REFRESH_DAYS: String(days), RATE_LIMIT_PER_MINUTE: '0', OUTBOX_DIR: path.join(folder, 'outbox') });
    const b = await startServer(config, { now: () => new Date(`${to}T06:00:00Z`) });
    try {
      const synced = () => {
        const database = openCatalogue(file);
        try {
          return database.sqlite.prepare("SELECT count(*) AS n FROM sync_runs WHERE status = 'ok'").get() as { n: number };
        } finally {
          database.close();
        }
      };
      for (const end = Date.now() + 20_000; synced().n === 0; await new Promise((r) => setTimeout(r, 50))) {
        if (Date.now() > end) throw new Error('server B did not sync within 20 s');
      }
      expect(await listed(overHttp(b.url), from, to)).toEqual(expected);
    } finally {
      await b.close();
    }
  });
});
