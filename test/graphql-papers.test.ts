import { beforeAll, describe, expect, it } from 'vitest';
import { client } from './helpers.ts';
import { byArxivId, oraclePapers, type OraclePaper } from './oracle.ts';

const api = client();
let all: OraclePaper[];
beforeAll(() => {
  all = [...oraclePapers().values()];
});

const ids = (nodes: { arxivId: string }[]) => nodes.map((n) => n.arxivId);

/** Every page of a connection field, following cursors forwards or backwards. */
async function walk(field: string, args: string, backward = false): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const paging: string = backward ? `last: 100${cursor ? `, before: "${cursor}"` : ''}` : `first: 100${cursor ? `, after: "${cursor}"` : ''}`;
    const data: Record<string, any> = await api.data(`{ ${field}(${[args, paging].filter(Boolean).join(', ')}) {
      nodes { arxivId } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`);
    const { nodes, pageInfo }: { nodes: { arxivId: string }[]; pageInfo: Record<string, any> } = data[field];
    if (backward) seen.unshift(...ids(nodes));
    else seen.push(...ids(nodes));
    const more = backward ? pageInfo.hasPreviousPage : pageInfo.hasNextPage;
    if (!more) return seen;
    cursor = backward ? pageInfo.startCursor : pageInfo.endCursor;
  }
  throw new Error('more than 100 pages');
}

describe('paper(arxivId)', () => {
  it('finds HyperAttention with its authors in order, and ignores a version suffix', async () => {
    const expected = oraclePapers().get('2310.05869')!;
    for (const arxivId of ['2310.05869', '2310.05869v2', 'arXiv:2310.05869', 'https://arxiv.org/abs/2310.05869v1']) {
      const { paper } = await api.data(`query($id: String!) { paper(arxivId: $id) {
        arxivId title publishedAt upvotes authorCount url authors { name } } }`, { id: arxivId });
      expect(paper).toEqual({
        arxivId: '2310.05869',
        title: expected.title,
        publishedAt: '2023-10-09',
        upvotes: 2,
        authorCount: 6,
        url: 'https://arxiv.org/abs/2310.05869',
        authors: expected.authors.map((name) => ({ name })),
      });
    }
  });

  it('gives null for an unknown arXiv id, and BAD_USER_INPUT for something that is not one', async () => {
    expect((await api.data('{ paper(arxivId: "2001.99999") { title } }')).paper).toBeNull();
    const bad = await api.query('{ paper(arxivId: "not an id") { title } }');
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.message).toContain('arxivId');
  });

  it('keeps the highest upvotes and the first listing day of a paper listed twice', async () => {
    const { paper } = await api.data('{ paper(arxivId: "2604.07429") { upvotes listedOn } }');
    expect(paper).toEqual({ upvotes: 42, listedOn: '2026-04-10' });
  });
});

describe('papers(filter, orderBy)', () => {
  it('returns exactly the seed page\'s four October 2023 papers', async () => {
    const { papers } = await api.data(`{ papers(filter: {published: {from: "2023-10-01", to: "2023-10-31"}}) {
      totalCount nodes { arxivId publishedAt } } }`);
    const expected = all.filter((p) => p.publishedAt >= '2023-10-01' && p.publishedAt <= '2023-10-31');
    expect(expected).toHaveLength(4);
    expect(papers.totalCount).toBe(4);
    expect(ids(papers.nodes).sort()).toEqual(ids(expected).sort());
    // newest published first by default
    expect(papers.nodes.map((n: OraclePaper) => n.publishedAt)).toEqual([...papers.nodes.map((n: OraclePaper) => n.publishedAt)].sort().reverse());
  });

  it('combines every filter field as the data says', async () => {
    const cases: [string, (p: OraclePaper) => boolean][] = [
      ['{hasCode: true}', (p) => p.githubUrl !== null],
      ['{hasCode: false, minUpvotes: 10}', (p) => p.githubUrl === null && p.upvotes >= 10],
      ['{organizations: ["NVIDIA", "google"]}', (p) => p.org === 'nvidia' || p.org === 'google'],
      ['{listed: {from: "2026-03-01", to: "2026-03-31"}, organizations: ["nvidia"]}', (p) => p.org === 'nvidia' && p.listedOn.startsWith('2026-03')],
      ['{organizations: []}', () => false],
      ['{organizations: ["no-such-org"]}', () => false],
    ];
    for (const [filter, match] of cases) {
      const { papers } = await api.data(`{ papers(filter: ${filter}, first: 100) { totalCount nodes { arxivId } } }`);
      const expected = all.filter(match);
      expect(papers.totalCount, filter).toBe(expected.length);
      if (expected.length <= 100) expect(ids(papers.nodes).sort(), filter).toEqual(ids(expected).sort());
    }
  });

  it('orders by upvotes, ties by arXiv id, in both directions', async () => {
    for (const direction of ['DESC', 'ASC'] as const) {
      const { papers } = await api.data(`{ papers(orderBy: {field: UPVOTES, direction: ${direction}}, first: 50) { nodes { arxivId } } }`);
      const sign = direction === 'DESC' ? -1 : 1;
      const expected = [...all].sort((a, b) => sign * (a.upvotes - b.upvotes) || byArxivId(a, b)).slice(0, 50);
      expect(ids(papers.nodes)).toEqual(ids(expected));
    }
  });

  it('visits every paper exactly once paging forwards, and the same list backwards', async () => {
    const forwards = await walk('papers', '');
    expect(forwards).toHaveLength(all.length);
    expect(new Set(forwards).size).toBe(all.length);
    const backwards = await walk('papers', '', true);
    expect(backwards).toEqual(forwards);
    const byUpvotes = await walk('papers', 'orderBy: {field: UPVOTES}');
    expect(byUpvotes).toEqual(ids([...all].sort((a, b) => b.upvotes - a.upvotes || byArxivId(a, b))));
  });

  it('reports hasNextPage / hasPreviousPage and cursors', async () => {
    const first = (await api.data('{ papers(first: 3) { edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }')).papers;
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.pageInfo.startCursor).toBe(first.edges[0].cursor);
    expect(first.pageInfo.endCursor).toBe(first.edges[2].cursor);
    const empty = (await api.data('{ papers(filter: {minUpvotes: 100000}) { nodes { arxivId } pageInfo { hasNextPage startCursor endCursor } } }')).papers;
    expect(empty).toEqual({ nodes: [], pageInfo: { hasNextPage: false, startCursor: null, endCursor: null } });
  });
});
