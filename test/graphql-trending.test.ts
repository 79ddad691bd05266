import { describe, expect, it } from 'vitest';
import { client } from './helpers.ts';
import { byArxivId, expectedScore, oraclePapers, WINDOW_HOURS, type OraclePaper, type Window } from './oracle.ts';

const api = client();
const all = (): OraclePaper[] => [...oraclePapers().values()];
const latestDay = (): string => all().map((p) => p.listedOn).sort().at(-1)!;
const HOUR = 3_600_000;

/** The ranking the README promises, computed from the files. */
function expectedTrending(asOf: number, window: Window, match: (p: OraclePaper) => boolean = () => true): OraclePaper[] {
  return all()
    .filter((p) => {
      const listed = Date.parse(`${p.listedOn}T00:00:00Z`);
      return listed < asOf && listed >= asOf - WINDOW_HOURS[window] * HOUR && match(p);
    })
    .sort((a, b) => expectedScore(b, asOf, window) - expectedScore(a, asOf, window) || byArxivId(a, b));
}

describe('trendingPapers', () => {
  it('defaults to the week before the end of the latest listing day, ranked by the documented score', async () => {
    const asOf = Date.parse(`${latestDay()}T00:00:00Z`) + 24 * HOUR;
    const expected = expectedTrending(asOf, 'WEEK');
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
      ['DAY', () => true, ''],
      ['MONTH', () => true, ''],
      ['ALL', () => true, ''],
      ['WEEK', (p: OraclePaper) => p.githubUrl !== null, ', filter: {hasCode: true}'],
    ] as const;
    for (const [window, match, filter] of cases) {
      const expected = expectedTrending(Date.parse(asOf), window, match);
      expect(expected.length, window).toBeGreaterThan(0);
      const { trendingPapers } = await api.data(
        `{ trendingPapers(window: ${window}, asOf: "${asOf}", first: 50${filter}) { totalCount edges { score node { arxivId trendingScore(asOf: "${asOf}", window: ${window}) } } } }`,
      );
      expect(trendingPapers.totalCount, window).toBe(expected.length);
      expect(trendingPapers.edges.map((e: any) => e.node.arxivId), window).toEqual(expected.slice(0, 50).map((p) => p.arxivId));
      for (const { score, node } of trendingPapers.edges) {
        expect(score, window).toBeCloseTo(expectedScore(oraclePapers().get(node.arxivId)!, Date.parse(asOf), window), 12);
        // The same score (PostgreSQL ranks by its SQL function, whose last digit may round apart from JavaScript's).
        expect(node.trendingScore, window).toBeCloseTo(score, 12);
      }
    }
  });

  it('ranks everything listed before asOf with window ALL, and pages through it', async () => {
    const asOf = '2025-12-01T00:00:00Z';
    const expected = expectedTrending(Date.parse(asOf), 'ALL').map((p) => p.arxivId);
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
      expect(score).toBeCloseTo(expectedScore(oraclePapers().get(node.arxivId)!, Date.parse(asOf), 'DAY'), 12);
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

  it('scores 0 before a paper is listed and after its window, and papers(orderBy: TRENDING) uses the WEEK at the default asOf', async () => {
    const { paper } = await api.data(`{ paper(arxivId: "2604.07429") {
      listedOn before: trendingScore(asOf: "2026-04-09T23:59:59Z") inWeek: trendingScore(asOf: "2026-04-12T00:00:00Z") afterWeek: trendingScore(asOf: "2026-04-30T00:00:00Z")
      inMonth: trendingScore(asOf: "2026-04-30T00:00:00Z", window: MONTH) } }`);
    expect(paper.listedOn).toBe('2026-04-10');
    expect(paper.before).toBe(0);
    expect(paper.inWeek).toBeGreaterThan(0);
    expect(paper.afterWeek).toBe(0);
    expect(paper.inMonth).toBeGreaterThan(0);
    const asOf = Date.parse(`${latestDay()}T00:00:00Z`) + 24 * HOUR;
    const { papers } = await api.data('{ papers(orderBy: {field: TRENDING}, first: 10) { edges { score node { arxivId } } } }');
    const expected = all().sort((a, b) => expectedScore(b, asOf) - expectedScore(a, asOf) || byArxivId(a, b));
    expect(papers.edges.map((e: any) => e.node.arxivId)).toEqual(expected.slice(0, 10).map((p) => p.arxivId));
    expect(papers.edges.map((e: any) => e.score)).toEqual(expected.slice(0, 10).map((p) => expectedScore(p, asOf)));
  });
});

/** The ISO week (Monday to Sunday) a day falls in, named by its Monday. */
const isoWeekOf = (day: string): string => {
  const start = Date.parse(`${day}T00:00:00Z`);
  return new Date(start - ((new Date(start).getUTCDay() + 6) % 7) * 24 * HOUR).toISOString().slice(0, 10);
};

describe('trending means its window (on the bundled catalogue, at the default asOf)', () => {
  type Ranked = { arxivId: string; upvotes: number; listedOn: string };
  const ranked = async (window: Window, first: number): Promise<Ranked[]> =>
    (await api.data(`{ trendingPapers(window: ${window}, first: ${first}) { window nodes { arxivId upvotes listedOn } } }`)).trendingPapers.nodes;

  it('gives top tens of DAY, WEEK and MONTH that differ pairwise in at least 3 papers', async () => {
    const tops = await Promise.all((['DAY', 'WEEK', 'MONTH'] as const).map(async (w) => new Set((await ranked(w, 10)).map((p) => p.arxivId))));
    for (const [a, b] of [[0, 1], [1, 2], [0, 2]] as const) {
      const differ = [...tops[a]!].filter((id) => !tops[b]!.has(id)).length;
      expect(differ, `${a} vs ${b}`).toBeGreaterThanOrEqual(3);
    }
  });

  it("spreads the week's top 10 over at least 3 listing days and the month's over at least 2 ISO weeks", async () => {
    expect(new Set((await ranked('WEEK', 10)).map((p) => p.listedOn)).size).toBeGreaterThanOrEqual(3);
    expect(new Set((await ranked('MONTH', 10)).map((p) => isoWeekOf(p.listedOn))).size).toBeGreaterThanOrEqual(2);
  });

  it('ranks, within the week, a paper with more than twice the upvotes of another listed at most 2 days after it above it', async () => {
    const { trendingPapers } = await api.data('{ trendingPapers(window: WEEK, first: 100) { totalCount } }');
    const week: Ranked[] = [];
    let after: string | null = null;
    do {
      const page: any = (await api.data(`query($after: String) { trendingPapers(window: WEEK, first: 100, after: $after) {
        nodes { arxivId upvotes listedOn } pageInfo { hasNextPage endCursor } } }`, { after })).trendingPapers;
      week.push(...page.nodes);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(week).toHaveLength(trendingPapers.totalCount);
    let pairs = 0;
    week.forEach((a, rankOfA) =>
      week.forEach((b, rankOfB) => {
        const daysBefore = (Date.parse(b.listedOn) - Date.parse(a.listedOn)) / (24 * HOUR);
        if (a.upvotes > 2 * b.upvotes && daysBefore <= 2) {
          pairs++;
          expect(rankOfA, `${a.arxivId} (${a.upvotes}, ${a.listedOn}) above ${b.arxivId} (${b.upvotes}, ${b.listedOn})`).toBeLessThan(rankOfB);
        }
      }),
    );
    expect(pairs).toBeGreaterThan(1000);
  });

  it('takes as many statements for every window', async () => {
    const counts: number[] = [];
    for (const w of ['DAY', 'WEEK', 'MONTH', 'ALL'] as const) {
      counts.push(await api.statements(() => api.data(`{ trendingPapers(window: ${w}, first: 20) { totalCount nodes { arxivId authors { name } organization { name } } } }`)));
    }
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts, String(counts)).toEqual(counts.map(() => counts[0]));
  });
});
