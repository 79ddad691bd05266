// Organizations, authors and digests, checked against the seed files.
import { describe, expect, it } from 'vitest';
import { periodContaining } from '../src/catalogue/dates.ts';
import { client } from './helpers.ts';
import { byArxivId, oraclePapers, type OraclePaper } from './oracle.ts';

const api = client();
const all = (): OraclePaper[] => [...oraclePapers().values()];
const arxivIds = (nodes: { arxivId: string }[]) => nodes.map((n) => n.arxivId);

describe('organizations', () => {
  it('spiralworks is "Spiral Works" with exactly the paper 2509.21043', async () => {
    const { organization } = await api.data('{ organization(slug: "SpiralWorks") { slug name paperCount papers { totalCount nodes { arxivId } } } }');
    expect(organization).toEqual({ slug: 'spiralworks', name: 'Spiral Works', paperCount: 1, papers: { totalCount: 1, nodes: [{ arxivId: '2509.21043' }] } });
    expect((await api.data('{ organization(slug: "no-such-lab") { name } }')).organization).toBeNull();
  });

  it('lists organizations by paper count and by name, with counts from the data', async () => {
    const counts = new Map<string, number>();
    for (const p of all()) if (p.org) counts.set(p.org, (counts.get(p.org) ?? 0) + 1);
    const expected = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
    const { organizations } = await api.data('{ organizations(first: 10) { totalCount nodes { slug paperCount } } }');
    expect(organizations.totalCount).toBe(counts.size);
    expect(organizations.nodes).toEqual(expected.map(([slug, paperCount]) => ({ slug, paperCount })));

    const byName = (await api.data('{ organizations(orderBy: NAME, first: 100) { nodes { name } } }')).organizations.nodes.map((n: { name: string }) => n.name.toLowerCase());
    expect(byName).toEqual([...byName].sort());
  });

  it('finds organizations by the beginning of the name or slug, and filters their papers', async () => {
    const { organizations } = await api.data('{ organizations(query: "nvid") { nodes { slug } } }');
    expect(organizations.nodes.map((n: { slug: string }) => n.slug)).toContain('nvidia');
    const { organization } = await api.data(`{ organization(slug: "nvidia") {
      papers(filter: {listed: {from: "2026-03-01", to: "2026-03-31"}}, orderBy: {field: UPVOTES}, first: 100) { totalCount nodes { arxivId } } } }`);
    const expected = all()
      .filter((p) => p.org === 'nvidia' && p.listedOn.startsWith('2026-03'))
      .sort((a, b) => b.upvotes - a.upvotes || byArxivId(a, b));
    expect(expected.length).toBeGreaterThan(0);
    expect(arxivIds(organization.papers.nodes)).toEqual(arxivIds(expected));
  });
});

describe('authors', () => {
  it('finds authors by name prefix, case-insensitively, most papers first, with their papers', async () => {
    const { authors } = await api.data('{ authors(query: "yann l", first: 5) { totalCount nodes { name paperCount papers { totalCount nodes { arxivId } } } } }');
    const expected = all().filter((p) => p.authors.some((a) => a.toLowerCase().startsWith('yann l')));
    const lecun = authors.nodes.find((a: { name: string }) => a.name === 'Yann LeCun');
    const lecunPapers = expected.filter((p) => p.authors.includes('Yann LeCun'));
    expect(lecun.paperCount).toBe(lecunPapers.length);
    expect(lecun.papers.totalCount).toBe(lecunPapers.length); // counted from the author's links alone
    expect(arxivIds(lecun.papers.nodes).sort()).toEqual(arxivIds(lecunPapers).sort());
    const counts = authors.nodes.map((a: { paperCount: number }) => a.paperCount);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  it('rejects an empty query', async () => {
    const result = await api.query('{ authors(query: "  ") { totalCount } }');
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'query' } });
  });
});

describe('digest', () => {
  const listedIn = (start: string, end: string) =>
    all()
      .filter((p) => p.listedOn >= start && p.listedOn <= end)
      .sort((a, b) => b.upvotes - a.upvotes || byArxivId(a, b));

  it('defaults to the latest day with papers, ranked by upvotes', async () => {
    const latest = all().map((p) => p.listedOn).sort().at(-1)!;
    const { digest } = await api.data('{ digest { period startDate endDate papers(first: 100) { totalCount nodes { arxivId } } next { startDate } } }');
    const expected = listedIn(latest, latest);
    expect(digest).toMatchObject({ period: 'DAY', startDate: latest, endDate: latest, next: null });
    expect(arxivIds(digest.papers.nodes)).toEqual(arxivIds(expected));
  });

  it('gives ISO weeks and calendar months whose counts match the data', async () => {
    for (const [period, date, start, end] of [
      ['WEEK', '2026-03-18', '2026-03-16', '2026-03-22'],
      ['WEEK', '2026-01-01', '2025-12-29', '2026-01-04'],
      ['MONTH', '2026-02-14', '2026-02-01', '2026-02-28'],
    ] as const) {
      const { digest } = await api.data(`{ digest(period: ${period}, date: "${date}") { startDate endDate papers(first: 20) { totalCount nodes { arxivId } } } }`);
      const expected = listedIn(start, end);
      expect(digest.startDate).toBe(start);
      expect(digest.endDate).toBe(end);
      expect(digest.papers.totalCount).toBe(expected.length);
      expect(arxivIds(digest.papers.nodes)).toEqual(arxivIds(expected.slice(0, 20)));
    }
  });

  it('walks previous across every day with papers, skipping empty ones, to null at the start', async () => {
    const days = [...new Set(all().map((p) => p.listedOn))].sort().reverse();
    const { digest } = await api.data('{ digest(period: DAY, date: "2026-06-30") { startDate previous { startDate previous { startDate } } } }');
    expect([digest.startDate, digest.previous.startDate, digest.previous.previous.startDate]).toEqual(days.slice(0, 3));
    const first = await api.data(`{ digest(period: MONTH, date: "${days.at(-1)}") { previous { startDate } next { startDate } } }`);
    expect(first.digest.previous).toBeNull();
    const nextMonth = days.filter((d) => d > periodContaining('MONTH', days.at(-1)!).end).at(-1)!;
    expect(first.digest.next.startDate).toBe(periodContaining('MONTH', nextMonth).start);
  });

  it('gives an empty digest for a period without papers, and names a malformed date', async () => {
    const { digest } = await api.data('{ digest(period: DAY, date: "2026-06-28") { papers { totalCount } previous { startDate } next { startDate } } }');
    expect(digest).toEqual({ papers: { totalCount: 0 }, previous: { startDate: '2026-06-26' }, next: { startDate: '2026-06-29' } });
    const bad = await api.query('{ digest(period: WEEK, date: "2026-02-30") { startDate } }');
    expect(bad.errors?.[0]?.message).toContain('"date"');
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
