import { describe, expect, it } from 'vitest';
import { client } from './helpers.ts';
import { byArxivId, expectedScore, oraclePapers, type OraclePaper } from './oracle.ts';

const api = client();
const all = (): OraclePaper[] => [...oraclePapers().values()];
const latestDay = (): string => all().map((p) => p.listedOn).sort().at(-1)!;
const HOUR = 3_600_000;

/** The ranking the README promises, computed from the files. */
function expectedTrending(asOf: number, windowHours: number, match: (p: OraclePaper) => boolean = () => true): OraclePaper[] {
  return all()
    .filter((p) => {
      const listed = Date.parse(`${p.listedOn}T00:00:00Z`);
      return listed < asOf && listed >= asOf - windowHours * HOUR && match(p);
    })
    .sort((a, b) => expectedScore(b, asOf) - expectedScore(a, asOf) || byArxivId(a, b));
}

describe('trendingPapers', () => {
  it('defaults to the week before the end of the latest listing day, ranked by the documented score', async () => {
    const asOf = Date.parse(`${latestDay()}T00:00:00Z`) + 24 * HOUR;
    const expected = expectedTrending(asOf, 7 * 24);
    const { trendingPapers } = await api.data('{ trendingPapers(first: 100) { totalCount nodes { arxivId trendingScore } } }');
    expect(trendingPapers.totalCount).toBe(expected.length);
    expect(trendingPapers.nodes.map((n: OraclePaper) => n.arxivId)).toEqual(expected.slice(0, 100).map((p) => p.arxivId));
    for (const node of trendingPapers.nodes) {
      expect(node.trendingScore).toBeCloseTo(expectedScore(oraclePapers().get(node.arxivId)!, asOf), 12);
    }
  });

  it('honours window, asOf and filter', async () => {
    const asOf = '2026-03-18T12:00:00Z';
    const cases = [
      ['DAY', 24, () => true, ''],
      ['MONTH', 30 * 24, () => true, ''],
      ['WEEK', 7 * 24, (p: OraclePaper) => p.githubUrl !== null, ', filter: {hasCode: true}'],
    ] as const;
    for (const [window, hours, match, filter] of cases) {
      const expected = expectedTrending(Date.parse(asOf), hours, match);
      expect(expected.length, window).toBeGreaterThan(0);
      const { trendingPapers } = await api.data(
        `{ trendingPapers(window: ${window}, asOf: "${asOf}", first: 50${filter}) { totalCount nodes { arxivId trendingScore(asOf: "${asOf}") } } }`,
      );
      expect(trendingPapers.totalCount, window).toBe(expected.length);
      expect(trendingPapers.nodes.map((n: OraclePaper) => n.arxivId), window).toEqual(expected.slice(0, 50).map((p) => p.arxivId));
    }
  });

  it('ranks everything listed before asOf with window ALL, and pages through it', async () => {
    const asOf = '2025-12-01T00:00:00Z';
    const expected = expectedTrending(Date.parse(asOf), Infinity).map((p) => p.arxivId);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const { trendingPapers }: any = await api.data(`query($after: String) { trendingPapers(window: ALL, asOf: "${asOf}", first: 100, after: $after) {
        nodes { arxivId } pageInfo { hasNextPage endCursor } } }`, { after });
      seen.push(...trendingPapers.nodes.map((n: OraclePaper) => n.arxivId));
      after = trendingPapers.pageInfo.hasNextPage ? trendingPapers.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(expected);
  });

  it('puts the score it ranked by on the edge, says its asOf and window, and keeps Paper.trendingScore the same wherever it is reached', async () => {
    const asOf = '2026-03-18T18:00:00Z';
    const { trendingPapers } = await api.data(
      `{ trendingPapers(window: DAY, asOf: "${asOf}", first: 5) { asOf window edges { score node { arxivId trendingScore } } } }`,
    );
    expect(trendingPapers.asOf).toBe('2026-03-18T18:00:00.000Z');
    expect(trendingPapers.window).toBe('DAY');
    expect(trendingPapers.edges.length).toBeGreaterThan(0);
    const defaultAsOf = Date.parse(`${latestDay()}T00:00:00Z`) + 24 * HOUR;
    for (const { score, node } of trendingPapers.edges) {
      expect(score).toBeCloseTo(expectedScore(oraclePapers().get(node.arxivId)!, Date.parse(asOf)), 12);
      expect(node.trendingScore).toBeCloseTo(expectedScore(oraclePapers().get(node.arxivId)!, defaultAsOf), 12);
      // The same Paper id reached on its own: the same value, as a normalized client cache needs.
      const { paper } = await api.data(`{ paper(arxivId: "${node.arxivId}") { trendingScore } }`);
      expect(paper.trendingScore).toBe(node.trendingScore);
    }
    const scores = trendingPapers.edges.map((e: { score: number }) => e.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const other = await api.data('{ papers(first: 2) { asOf window edges { score } } }');
    expect(other.papers).toEqual({ asOf: null, window: null, edges: [{ score: null }, { score: null }] });
  });

  it('scores 0 before a paper is listed, and papers(orderBy: TRENDING) uses the default asOf', async () => {
    const { paper } = await api.data('{ paper(arxivId: "2604.07429") { trendingScore(asOf: "2026-04-09T23:59:59Z") } }');
    expect(paper.trendingScore).toBe(0);
    const asOf = Date.parse(`${latestDay()}T00:00:00Z`) + 24 * HOUR;
    const { papers } = await api.data('{ papers(orderBy: {field: TRENDING}, first: 10) { nodes { arxivId } } }');
    expect(papers.nodes.map((n: OraclePaper) => n.arxivId)).toEqual(expectedTrending(asOf, Infinity).slice(0, 10).map((p) => p.arxivId));
  });
});
