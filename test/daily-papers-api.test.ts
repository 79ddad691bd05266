// GET /api/daily_papers and /api/papers/{id}: the upstream's parameters and
// item shape, read back by the importer into an empty catalogue, bad
// parameters, caching and rate limiting; through the whole server (yoga.fetch).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCatalogue } from '../src/catalogue/index.ts';
import { loadConfig } from '../src/config.ts';
import { importFiles } from '../src/ingest/importer.ts';
import { client, scratchFolder, seededCatalogue } from './helpers.ts';

const api = client();
const get = (url: string, headers: Record<string, string> = {}, app = api.app) => app.fetch(`http://test${url}`, { headers });
const items = async (url: string): Promise<any[]> => {
  const response = await get(url);
  expect(response.status, url).toBe(200);
  return (await response.json()) as any[];
};

/** Every item of a period, page by page (limit 100, the most the API gives). */
async function allItems(query: string): Promise<any[]> {
  const all: any[] = [];
  for (let p = 0; ; p++) {
    const page = await items(`/api/daily_papers?${query}&limit=100&p=${p}`);
    all.push(...page);
    if (page.length < 100) return all;
  }
}

const PAPER_FIELDS = 'arxivId title abstract upvotes listedOn publishedAt githubUrl githubStars aiSummary aiKeywords authorCount authors { name } organization { slug name }';
const listedPapers = async (from: string, to: string, graphql = api) => {
  const nodes: any[] = [];
  let after: string | null = null;
  do {
    const { papers }: any = await graphql.data(
      `query($after: String) { papers(filter: {listed: {from: "${from}", to: "${to}"}}, orderBy: {field: UPVOTES}, first: 100, after: $after) {
        nodes { ${PAPER_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    nodes.push(...papers.nodes);
    after = papers.pageInfo.hasNextPage ? papers.pageInfo.endCursor : null;
  } while (after);
  return nodes.sort((a, b) => (a.arxivId < b.arxivId ? -1 : 1));
};

const latestDays = async (n: number): Promise<string[]> => {
  const { papers } = await api.data('{ papers(orderBy: {field: LISTED_ON}, first: 100) { nodes { listedOn } } }');
  return [...new Set<string>(papers.nodes.map((p: { listedOn: string }) => p.listedOn))].slice(0, n).sort();
};

describe('GET /api/daily_papers', () => {
  it("gives a day's papers in the upstream's item shape, ranked by upvotes, the latest day by default", async () => {
    const [day] = await latestDays(1);
    const expected = await listedPapers(day!, day!);
    const answer = await items(`/api/daily_papers?date=${day}&limit=100`);
    expect(await items('/api/daily_papers?limit=100')).toEqual(answer);
    expect(answer.map((i) => i.paper.id).sort()).toEqual(expected.map((p) => p.arxivId));
    const upvotes = answer.map((i) => i.paper.upvotes);
    expect(upvotes).toEqual([...upvotes].sort((a, b) => b - a));
    for (const item of answer) {
      const paper = expected.find((p) => p.arxivId === item.paper.id)!;
      expect(item.paper).toMatchObject({
        title: paper.title,
        summary: paper.abstract,
        upvotes: paper.upvotes,
        publishedAt: `${paper.publishedAt}T00:00:00.000Z`,
        submittedOnDailyAt: `${day}T00:00:00.000Z`,
      });
      expect(item.paper.authors.filter((a: any) => !a.hidden).map((a: any) => a.name)).toEqual(paper.authors.map((a: any) => a.name));
      expect(item.paper.authors).toHaveLength(paper.authorCount);
      expect(item.paper.githubRepo ?? null).toBe(paper.githubUrl);
      expect(item.paper.ai_keywords ?? []).toEqual(paper.aiKeywords);
      expect(item.organization ?? null).toEqual(paper.organization && expect.objectContaining({ name: paper.organization.slug, fullname: paper.organization.name }));
      expect(item.title).toBe(paper.title);
    }
  });

  it('takes week=YYYY-Www and month=YYYY-MM, pages with p and limit, and sorts by publishedAt when asked', async () => {
    const cases = [
      ['week=2026-W26', '2026-06-22', '2026-06-28'],
      ['month=2026-05', '2026-05-01', '2026-05-31'],
    ] as const;
    for (const [query, from, to] of cases) {
      const expected = await listedPapers(from, to);
      const all = await allItems(query);
      expect(all.map((i) => i.paper.id).sort(), query).toEqual(expected.map((p) => p.arxivId));
      const byPublished = await allItems(`${query}&sort=publishedAt`);
      const published = byPublished.map((i) => i.paper.publishedAt);
      expect(published, query).toEqual([...published].sort().reverse());
      const small = await items(`/api/daily_papers?${query}&limit=7&p=2`);
      expect(small.map((i) => i.paper.id), query).toEqual(all.slice(14, 21).map((i) => i.paper.id));
    }
    expect(await items('/api/daily_papers?date=2026-06-27')).toEqual([]); // a Saturday: nothing listed
    // sort=trending is the period's trending list; a 31-day month is ranked 30 days after its start, so that its first day still counts.
    const may = await items('/api/daily_papers?month=2026-05&limit=100');
    const { trendingPapers } = await api.data('{ trendingPapers(window: MONTH, asOf: "2026-05-31T00:00:00Z", first: 100) { nodes { arxivId listedOn } } }');
    expect(may.map((i) => i.paper.id)).toEqual(trendingPapers.nodes.map((n: { arxivId: string }) => n.arxivId));
    expect(may.some((i) => i.paper.submittedOnDailyAt.startsWith('2026-05-01'))).toBe(true);
  });

  it('takes as many statements for a page of 10 as for a page of 100', async () => {
    const counts = [];
    for (const limit of [10, 100]) counts.push(await api.statements(() => items(`/api/daily_papers?month=2026-05&limit=${limit}`)));
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBe(counts[0]);
  });

  it('charges a list by the rows it read and the authors of its page, as a feed is charged, and says so in Request-Cost', async () => {
    // A point a minute: nothing refills during the test.
    const rated = client(undefined, { config: loadConfig({ LOG_LEVEL: 'silent', EXECUTION_THREADS: '0', RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_BURST: '1000' }) });
    const { papers } = await api.data('{ papers(filter: { listed: { from: "2026-05-01", to: "2026-05-31" } }) { totalCount } }');
    expect(papers.totalCount).toBeGreaterThan(600);
    let left = 1000;
    for (const [p, limit] of [[5, 100], [0, 10]] as const) {
      const response = await get(`/api/daily_papers?month=2026-05&p=${p}&limit=${limit}`, {}, rated.app);
      const page = (await response.json()) as { paper: { authors: unknown[] } }[];
      expect(page).toHaveLength(limit);
      // Every row up to the page's end is read; each item lists its authors, hidden ones included.
      const nodes = Math.min((p + 1) * limit, papers.totalCount) + page.reduce((sum, item) => sum + item.paper.authors.length, 0);
      const points = Math.ceil(nodes / 1000);
      left -= points;
      expect(response.headers.get('request-cost'), `p=${p}`).toBe(String(points));
      expect(response.headers.get('ratelimit-remaining'), `p=${p}`).toBe(String(left));
    }
    expect(left).toBeLessThan(1000 - 2);
  });

  it('refuses bad parameters with 400 and a message naming the parameter', async () => {
    const cases = [
      ['date=2026-13-01', 'date'],
      ['date=yesterday', 'date'],
      ['week=2026-W54', 'week'],
      ['week=2026-26', 'week'],
      ['month=2026-13', 'month'],
      ['date=2026-06-30&week=2026-W26', 'week'],
      ['limit=101', 'limit'],
      ['limit=0', 'limit'],
      ['p=-1', 'p'],
      ['p=1.5', 'p'],
      ['p=100&limit=100', 'p'],
      ['sort=upvotes', 'sort'],
    ] as const;
    for (const [query, parameter] of cases) {
      const response = await get(`/api/daily_papers?${query}`);
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as { error: string; parameter: string };
      expect(body.parameter, query).toBe(parameter);
      expect(body.error.startsWith(`${parameter} `), body.error).toBe(true);
    }
  });

  it('is cached like GraphQL reads: an ETag, Cache-Control, 304 when the client has it', async () => {
    const first = await get('/api/daily_papers?week=2026-W26');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/u);
    expect(first.headers.get('cache-control')).toBe('public, max-age=900');
    const again = await get('/api/daily_papers?week=2026-W26', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const other = await get('/api/daily_papers?week=2026-W25', { 'if-none-match': etag });
    expect(other.status).toBe(200);
  });

  const limited = client(undefined, { config: loadConfig({ RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_BURST: '3', LOG_LEVEL: 'silent', EXECUTION_THREADS: '0' }) });
  it('is rate-limited: a point a request, 429 once the burst is spent', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(i % 2 ? '/api/papers/2310.05869' : '/api/daily_papers', {}, limited.app)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe('GET /api/papers/{arxivId}', () => {
  it('gives one paper in the upstream shape, 404 JSON for an unknown one, 400 for a malformed id', async () => {
    const { paper } = await api.data(`{ paper(arxivId: "2310.05869") { ${PAPER_FIELDS} } }`);
    const response = await get('/api/papers/2310.05869v2');
    expect(response.status).toBe(200);
    const body: any = await response.json();
    expect(body).toMatchObject({ id: paper.arxivId, title: paper.title, summary: paper.abstract, upvotes: paper.upvotes });
    expect(body.authors.filter((a: any) => !a.hidden).map((a: any) => a.name)).toEqual(paper.authors.map((a: any) => a.name));
    const unknown = await get('/api/papers/2312.99999');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toContain('2312.99999');
    const malformed = await get('/api/papers/not-an-id');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { parameter: string }).parameter).toBe('arxivId');
    // Not even percent-encoded UTF-8: the same 400, not a 500.
    const undecodable = await get('/api/papers/%E0%A4');
    expect(undecodable.status).toBe(400);
    expect(await undecodable.json()).toEqual({ parameter: 'arxivId', error: 'arxivId is not an arXiv id like 2310.05869; got "%E0%A4" (not even percent-encoded UTF-8)' });
  });
});

describe('reading our own output back', () => {
  it('imports days exported from /api/daily_papers into an empty catalogue with the same papers, authors, organizations, upvotes and listing days', async () => {
    const days = await latestDays(3);
    const folder = scratchFolder();
    const files: string[] = [];
    for (const day of days) {
      const file = path.join(folder, `${day}.json`);
      writeFileSync(file, JSON.stringify(await allItems(`date=${day}`)));
      files.push(file);
    }
    const empty = openCatalogue(path.join(folder, 'empty.db'));
    const summary = importFiles(empty, files);
    expect(summary.rejected).toBe(0);
    expect(summary.itemsSkipped).toBe(0);
    const copy = client(empty);
    const original = await listedPapers(days[0]!, days.at(-1)!);
    expect(original.length).toBeGreaterThan(50);
    expect(summary.papersAdded).toBe(original.length);
    expect(await listedPapers(days[0]!, days.at(-1)!, copy)).toEqual(original);
  }, 120_000); // on PostgreSQL, the copy of the imported catalogue is made here
});
