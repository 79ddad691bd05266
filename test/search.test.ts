// searchPapers, authors(query) and organizations(query) through the whole
// server, with hits checked against the seed files.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { rebuildSearchIndex } from '../src/catalogue/search.ts';
import { importFiles } from '../src/ingest/importer.ts';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { client, ENGINE, scratchFolder, seededCatalogue } from './helpers.ts';
import { oraclePapers, type OraclePaper } from './oracle.ts';

const api = client();
const all = (): OraclePaper[] => [...oraclePapers().values()];
const text = (p: OraclePaper) => `${p.title} ${p.abstract} ${p.authors.join(' ')}`;
/** Papers with a word starting with `stem` (what a stemmed single-word match finds, near enough). */
const withWord = (stem: string) => (p: OraclePaper) => new RegExp(`(^|[^\\p{L}\\p{N}])${stem}`, 'iu').test(text(p));

interface Hit {
  score: number;
  titleHighlight: string;
  abstractSnippet: string;
  node: { arxivId: string; title: string; upvotes: number; publishedAt: string; organization: { slug: string } | null };
}

async function search(query: string, extra = ''): Promise<{ totalCount: number; edges: Hit[]; pageInfo: { hasNextPage: boolean; endCursor: string } }> {
  const data = await api.data(`query($q: String!) { searchPapers(query: $q${extra}) { totalCount pageInfo { hasNextPage endCursor }
    edges { score titleHighlight abstractSnippet node { arxivId title upvotes publishedAt organization { slug } } } } }`, { q: query });
  return data.searchPapers;
}
const hitIds = (r: { edges: Hit[] }) => r.edges.map((e) => e.node.arxivId);

describe('searchPapers', () => {
  it('finds the seed page\'s Kolmogorov papers, and only papers with the word', async () => {
    const result = await search('Kolmogorov', ', first: 100');
    expect(hitIds(result)).toEqual(expect.arrayContaining(['2507.07995', '2510.06274']));
    expect(hitIds(result).sort()).toEqual(all().filter(withWord('kolmogorov')).map((p) => p.arxivId).sort());
  });

  it('stems: "reasoning" finds papers that only say "reason"', async () => {
    const result = await search('reasoning', ', first: 100, filter: {published: {from: "2000-01-01", to: "2025-09-30"}}');
    const onlyReason = all().filter((p) => /\breasons?\b/iu.test(text(p)) && !/reasoning/iu.test(text(p)));
    expect(onlyReason.length).toBeGreaterThan(0);
    const { totalCount } = await search('reason');
    expect((await search('reasoning')).totalCount).toBe(totalCount);
    expect(result.totalCount).toBeGreaterThan(0);
  });

  it('matches a quoted phrase only where the words stand together', async () => {
    const phrase = await search('"world model"', ', first: 100');
    const words = await search('world model');
    expect(words.totalCount).toBeGreaterThan(phrase.totalCount);
    for (const hit of phrase.edges) {
      const p = oraclePapers().get(hit.node.arxivId)!;
      expect(text(p), p.arxivId).toMatch(/world[^\p{L}\p{N}]+model/iu);
    }
    // FTS5 marks the phrase; PostgreSQL's ts_headline its words one by one (README).
    expect(phrase.edges[0]!.titleHighlight).toMatch(ENGINE === 'postgres' ? /<mark>World<\/mark> <mark>Models?<\/mark>/iu : /<mark>World Models?<\/mark>/iu);
  });

  it('excludes -words, ORs alternatives, matches prefix*', async () => {
    const diffusion = await search('diffusion');
    const without = await search('diffusion -video', ', first: 100');
    const both = await search('diffusion video');
    expect(without.totalCount).toBe(diffusion.totalCount - both.totalCount);
    for (const hit of without.edges) expect(text(oraclePapers().get(hit.node.arxivId)!)).not.toMatch(/video/iu);

    const [video, audio, either, videoAudio] = await Promise.all([search('video'), search('audio'), search('video OR audio'), search('video audio')]);
    expect(either.totalCount).toBe(video.totalCount + audio.totalCount - videoAudio.totalCount);

    // The index is stemmed, so a prefix finds what its whole words find: tokenizer, tokenization, … (and their stem, token).
    const prefix = await search('title:tokeniz*', ', first: 100, filter: {listed: {from: "2026-04-01"}}');
    const expected = all().filter((p) => p.listedOn >= '2026-04-01' && /(^|[^\p{L}])tokeniz/iu.test(p.title)).map((p) => p.arxivId);
    expect(expected.length).toBeGreaterThan(0);
    expect(prefix.totalCount).toBeLessThanOrEqual(100);
    expect(hitIds(prefix)).toEqual(expect.arrayContaining(expected));
    expect(prefix.totalCount).toBeLessThanOrEqual((await search('title:token', ', filter: {listed: {from: "2026-04-01"}}')).totalCount);
    expect((await search('transf*')).totalCount).toBeGreaterThanOrEqual(all().filter(withWord('transf')).length);
  });

  it('scopes words to title:, author: and org:', async () => {
    const lecun = await search('author:"yann lecun"', ', first: 100');
    expect(hitIds(lecun).sort()).toEqual(all().filter((p) => p.authors.includes('Yann LeCun')).map((p) => p.arxivId).sort());
    const titled = await search('title:agent', ', first: 100');
    for (const hit of titled.edges) expect(hit.node.title).toMatch(/agent/iu);
    // org: matches words of the organization's name: NVIDIA and NVIDIA Deep Imagination Research.
    const nvidia = await search('org:nvidia', ', first: 100');
    expect(nvidia.totalCount).toBe(all().filter((p) => p.org?.startsWith('nvidia')).length);
    expect(nvidia.edges.every((e) => e.node.organization?.slug.startsWith('nvidia'))).toBe(true);
  });

  it('weighs a title match clearly above an abstract match', async () => {
    // "benchmark": some papers have it in the title, more only in the abstract.
    const inTitle = all().filter((p) => /benchmark/iu.test(p.title)).length;
    const { edges } = await search('benchmark', ', first: 100');
    expect(inTitle).toBeGreaterThan(20);
    expect(edges.slice(0, Math.min(inTitle, 100)).filter((e) => !/benchmark/iu.test(e.node.title))).toEqual([]);
  });

  it('combines with every filter: "diffusion" from nvidia listed in March 2026', async () => {
    const result = await search('diffusion', ', filter: {organizations: ["nvidia"], listed: {from: "2026-03-01", to: "2026-03-31"}, minUpvotes: 1}, first: 100');
    const expected = all().filter((p) => p.org === 'nvidia' && p.listedOn.startsWith('2026-03') && p.upvotes >= 1 && withWord('diffus')(p));
    expect(expected.length).toBeGreaterThan(0);
    expect(hitIds(result).sort()).toEqual(expected.map((p) => p.arxivId).sort());
    const withCode = await search('diffusion', ', filter: {hasCode: true, published: {from: "2026-01-01"}}');
    expect(withCode.totalCount).toBeGreaterThan(0);
    expect(withCode.edges.every((e) => e.node.publishedAt >= '2026-01-01')).toBe(true);
  });

  it('orders by upvotes or publication day instead of relevance', async () => {
    const byUpvotes = (await search('agent', ', orderBy: UPVOTES, first: 50')).edges.map((e) => e.node.upvotes);
    expect(byUpvotes).toEqual([...byUpvotes].sort((a, b) => b - a));
    const byDate = (await search('agent', ', orderBy: PUBLISHED_AT, first: 50')).edges.map((e) => e.node.publishedAt);
    expect(byDate).toEqual([...byDate].sort().reverse());
  });

  it('pages through every hit once, in score order, with an exact totalCount', async () => {
    for (const order of ['RELEVANCE', 'UPVOTES']) {
      const seen: string[] = [];
      const scores: number[] = [];
      let after: string | null = null;
      let total = 0;
      do {
        const { searchPapers }: any = await api.data(`query($after: String) { searchPapers(query: "reasoning", orderBy: ${order}, first: 100, after: $after) {
          totalCount pageInfo { hasNextPage endCursor } edges { score node { arxivId } } } }`, { after });
        total = searchPapers.totalCount;
        seen.push(...searchPapers.edges.map((e: Hit) => e.node.arxivId));
        scores.push(...searchPapers.edges.map((e: Hit) => e.score));
        after = searchPapers.pageInfo.hasNextPage ? searchPapers.pageInfo.endCursor : null;
      } while (after);
      expect(seen).toHaveLength(total);
      expect(new Set(seen).size).toBe(total);
      if (order === 'RELEVANCE') expect(scores).toEqual([...scores].sort((a, b) => b - a));
    }
  });

  it('escapes HTML in highlights and snippets, marking only the matches', async () => {
    const { edges } = await search('"Understanding & Reasoning"');
    const hit = edges.find((e) => e.node.arxivId === '2510.11606')!;
    expect(hit.titleHighlight).toBe(
      ENGINE === 'postgres'
        ? 'ExpVid: A Benchmark for Experiment Video <mark>Understanding</mark> &amp; <mark>Reasoning</mark>'
        : 'ExpVid: A Benchmark for Experiment Video <mark>Understanding &amp; Reasoning</mark>',
    );
    const words = (await search('experiment understanding')).edges.find((e) => e.node.arxivId === '2510.11606')!;
    expect(words.titleHighlight).toBe('ExpVid: A Benchmark for <mark>Experiment</mark> Video <mark>Understanding</mark> &amp; Reasoning');
    expect(hit.abstractSnippet.replace(/<\/?mark>/gu, '')).not.toMatch(/[<>]/u);
  });

  it('statements per page do not grow with the page size', async () => {
    const page = (n: number) => `{ searchPapers(query: "model", first: ${n}) { totalCount edges { score titleHighlight node { title authors { name } organization { name } } } } }`;
    const small = await api.statements(() => api.data(page(5)));
    expect(await api.statements(() => api.data(page(100)))).toBe(small);
    expect(small).toBeLessThanOrEqual(5);
  });
});

describe('search index', () => {
  /** A paper with HTML in its title and abstract, in a file to import. */
  const htmlPaper = (): string => {
    const file = path.join(scratchFolder(), '2026-07-01.json');
    writeFileSync(file, JSON.stringify([{ paper: {
      id: '2607.00001', title: '<script>alert("x")</script> Zyxwvut & Friends', summary: 'A paper about zyxwvut <b>tags</b>.',
      publishedAt: '2026-07-01T00:00:00Z', upvotes: 1, authors: [{ name: 'Quentin Zyxwvut' }],
    } }]));
    return file;
  };
  const found = [{
    titleHighlight: '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>Zyxwvut</mark> &amp; Friends',
    abstractSnippet: 'A paper about <mark>zyxwvut</mark> &lt;b&gt;tags&lt;/b&gt;.',
    node: { arxivId: '2607.00001' },
  }];
  const zyxwvut = '{ searchPapers(query: "zyxwvut") { totalCount edges { titleHighlight abstractSnippet node { arxivId } } } }';

  const withHtml = client();
  beforeAll(async () => void (await withHtml.importFiles([htmlPaper()])));

  it('highlights a paper with HTML in its title and abstract, escaped, and finds it by its author', async () => {
    expect((await withHtml.data(zyxwvut)).searchPapers.edges).toEqual(found);
    expect((await withHtml.data('{ searchPapers(query: "author:zyxwvut") { totalCount } }')).searchPapers.totalCount).toBe(1);
  });

  const own = client();
  it('finds a paper the moment its import commits, HTML-escaped', async () => {
    expect((await own.importFiles([htmlPaper()])).papersAdded).toBe(1);
    const { searchPapers } = await own.data(zyxwvut);
    expect(searchPapers.edges).toEqual(found);
    expect((await own.data('{ searchPapers(query: "author:zyxwvut") { totalCount } }')).searchPapers.totalCount).toBe(1);
  });

  // SQLite's FTS5 tables follow a paper deleted by hand (their triggers); PostgreSQL's vector is a column of the paper.
  it.skipIf(ENGINE === 'postgres')('forgets a paper when it is gone', async () => {
    const database = seededCatalogue();
    const alone = client(database);
    importFiles(database, [htmlPaper()]);
    expect((await alone.data('{ searchPapers(query: "zyxwvut") { totalCount } }')).searchPapers.totalCount).toBe(1);
    database.sqlite.prepare("DELETE FROM paper_authors WHERE paper_id = (SELECT id FROM papers WHERE arxiv_id = '2607.00001')").run();
    database.sqlite.prepare("DELETE FROM papers WHERE arxiv_id = '2607.00001'").run();
    expect((await alone.data('{ searchPapers(query: "zyxwvut") { totalCount } }')).searchPapers.totalCount).toBe(0);
  });

  // About SQLite's FTS5 tables and their rebuild (npm run reindex); PostgreSQL's search vector is written with its paper.
  it.skipIf(ENGINE === 'postgres')('rebuilds from scratch to the same answers', async () => {
    const database = seededCatalogue();
    const own = client(database);
    const before = await own.data('{ searchPapers(query: "world model", first: 50) { totalCount nodes { arxivId } } authors(query: "lecun") { nodes { name } } }');
    database.sqlite.exec("DELETE FROM papers_fts; DELETE FROM authors_fts;");
    expect((await own.data('{ searchPapers(query: "world model") { totalCount } }')).searchPapers.totalCount).toBe(0);
    expect(rebuildSearchIndex(database.db)).toEqual({ papers: all().length, authors: 23908, organizations: 701 });
    expect(await own.data('{ searchPapers(query: "world model", first: 50) { totalCount nodes { arxivId } } authors(query: "lecun") { nodes { name } } }')).toEqual(before);
  });
});

describe('search input', () => {
  it.each([
    ['', 'contains no words'],
    ['   ', 'contains no words'],
    ['-diffusion', 'only excludes'],
    ['!!! ??? ***', 'contains no words'],
    ['🙂🙃', 'contains no words'],
    ['x'.repeat(10_000), 'at most 500'],
    [Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '), 'at most 32 are allowed'],
  ])('refuses %j with BAD_USER_INPUT naming the query', async (query, why) => {
    const result = await api.query('query($q: String!) { searchPapers(query: $q) { totalCount } }', { q: query });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'query' });
    expect(result.errors?.[0]?.message).toContain(why);
  });

  it.each([
    '"unbalanced quote', 'OR', 'diffusion OR', 'OR diffusion', 'a AND b', 'NEAR(a b)', 'title:', "'; DROP TABLE papers; --",
    'col:value', '{title}: x', 'x^2 + y^2', '(((', '"" diffusion', 'diffusion NOT video', 'c++', 'c#',
  ])('reads %j as plain words', async (query) => {
    const result = await api.query('query($q: String!) { searchPapers(query: $q) { totalCount } }', { q: query });
    // Searched, or refused as a query with no word to find: never an internal error.
    if (result.errors) for (const error of result.errors) expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    else expect(result.data?.searchPapers.totalCount).toBeGreaterThanOrEqual(0);
  });

  it('never answers an arbitrary string with an internal error', async () => {
    const pieces = fc.constantFrom('"', '-', '*', ':', 'OR', 'AND', 'NOT', 'NEAR', '(', ')', '{', '}', '^', '+', 'title:', 'author:', 'org:', ' ', 'diffusion', 'ü', '🙂', '\u0000', '\\', "'");
    const queries = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.array(pieces, { maxLength: 12 }).map((p) => p.join('')));
    await fc.assert(
      fc.asyncProperty(queries, async (query) => {
        const result = await api.query('query($q: String!) { searchPapers(query: $q, first: 3) { totalCount edges { titleHighlight abstractSnippet } } }', { q: query });
        // A bad query, or a prefix that starts too many words ("A*"): refused clearly, never an internal error.
        for (const error of result.errors ?? []) expect(['BAD_USER_INPUT', 'QUERY_TOO_COSTLY']).toContain(error.extensions?.code);
        if (!result.errors) expect(result.data?.searchPapers.totalCount).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('name search for type-ahead', () => {
  it('finds authors by any word or word prefix of the name', async () => {
    for (const query of ['lecun', 'yann lec', 'LeCun Yann']) {
      const { authors } = await api.data(`{ authors(query: "${query}") { nodes { name paperCount } } }`);
      expect(authors.nodes.map((a: { name: string }) => a.name), query).toContain('Yann LeCun');
    }
  });

  it('finds organizations by a word inside the name', async () => {
    const { organizations } = await api.data('{ organizations(query: "meta") { nodes { slug name } } }');
    expect(organizations.nodes).toContainEqual({ slug: 'facebook', name: 'AI at Meta' });
    const { organizations: byName } = await api.data('{ organizations(query: "") { totalCount } }');
    expect(byName.totalCount).toBe(701);
  });
});
