// Atom feeds and the plain links of digest mail, through the whole server.
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { addDays, periodContaining } from '../src/catalogue/dates.ts';
import { client } from './helpers.ts';
import { oraclePapers, type OraclePaper } from './oracle.ts';

const api = client();
const get = (path: string, headers: Record<string, string> = {}) => api.app.fetch(`http://test${path}`, { headers });
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['entry', 'author', 'category'].includes(name) });
const latest = (): string => [...oraclePapers().values()].map((p) => p.listedOn).sort().at(-1)!;

interface Entry {
  id: string;
  title: string;
  updated: string;
  published: string;
  author?: { name: string }[];
  category?: { '@term': string }[];
}

async function feed(path: string): Promise<{ response: Response; feed: { id: string; updated: string; entry?: Entry[]; title: string } }> {
  const response = await get(path);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
  const parsed = parser.parse(await response.text());
  return { response, feed: parsed.feed };
}

/** The span's most upvoted papers (100 at most), newest listing first, as the data says. */
function expected(start: string, end: string, match: (p: OraclePaper) => boolean = () => true): OraclePaper[] {
  return [...oraclePapers().values()]
    .filter((p) => p.listedOn >= start && p.listedOn <= end && match(p))
    .sort((a, b) => b.upvotes - a.upvotes || (a.arxivId < b.arxivId ? -1 : 1))
    .slice(0, 100)
    .sort((a, b) => (a.listedOn === b.listedOn ? b.upvotes - a.upvotes : a.listedOn < b.listedOn ? 1 : -1));
}

describe('Atom feeds', () => {
  it('daily.atom holds the most upvoted papers of the week up to the latest listing day, with their listing day as updated', async () => {
    const { feed: daily } = await feed('/feeds/daily.atom');
    const papers = expected(addDays(latest(), -6), latest());
    expect(daily.entry!.map((e) => e.id)).toEqual(papers.map((p) => `https://arxiv.org/abs/${p.arxivId}`));
    expect(daily.entry!.map((e) => e.updated)).toEqual(papers.map((p) => `${p.listedOn}T00:00:00Z`));
    expect(daily.updated).toBe(`${latest()}T00:00:00Z`);
    const first = daily.entry![0]!;
    expect(first.title).toBe(papers[0]!.title);
    expect(first.published).toBe(`${papers[0]!.publishedAt}T00:00:00Z`);
    expect(first.author!.map((a) => a.name)).toEqual(papers[0]!.authors);
  });

  it('weekly.atom and monthly.atom span 4 weeks and 3 months, and narrow by organization and query', async () => {
    const week = periodContaining('WEEK', latest());
    const weekly = expected(addDays(week.start, -21), week.end, (p) => p.org === 'nvidia');
    const { feed: nvidia } = await feed('/feeds/weekly.atom?organization=nvidia');
    expect(nvidia.entry!.map((e) => e.id)).toEqual(weekly.map((p) => `https://arxiv.org/abs/${p.arxivId}`));
    expect(nvidia.entry!.every((e) => e.category?.[0]?.['@term'] === 'nvidia')).toBe(true);

    const { feed: monthly } = await feed('/feeds/monthly.atom?q=kolmogorov');
    const months = expected('2026-04-01', '2026-06-30', (p) => /kolmogorov/iu.test(`${p.title} ${p.abstract}`));
    expect(monthly.entry?.map((e) => e.id) ?? []).toEqual(months.map((p) => `https://arxiv.org/abs/${p.arxivId}`));
    expect(monthly.title).toContain('kolmogorov');
  });

  it('answers If-None-Match with 304, and caches for 15 minutes', async () => {
    const { response } = await feed('/feeds/daily.atom');
    const etag = response.headers.get('etag')!;
    expect(response.headers.get('cache-control')).toBe('public, max-age=900');
    expect(response.headers.get('last-modified')).toBe(new Date(`${latest()}T00:00:00Z`).toUTCString());
    const again = await get('/feeds/daily.atom', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await get('/feeds/daily.atom?organization=google', { 'if-none-match': etag })).status).toBe(200);
  });

  it('says what is wrong with an unknown feed or an unusable query; an unknown organization is just empty', async () => {
    expect((await get('/feeds/hourly.atom')).status).toBe(404);
    const bad = await get('/feeds/daily.atom?q=-only');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('only excludes');
    const { feed: empty } = await feed('/feeds/daily.atom?organization=no-such-lab');
    expect(empty.entry).toBeUndefined();
  });
});

describe('digest links', () => {
  it('shows a page for unknown or missing tokens, and refuses methods other than GET and POST', async () => {
    const unknown = await get('/digest/confirm?token=abc');
    expect(unknown.status).toBe(410);
    expect(await unknown.text()).toContain('Link no longer valid');
    expect((await get('/digest/unsubscribe')).status).toBe(400);
    const post = await api.app.fetch('http://test/digest/confirm?token=abc', { method: 'POST' });
    expect(post.status).toBe(410);
    const put = await api.app.fetch('http://test/digest/confirm?token=abc', { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
  });
});
