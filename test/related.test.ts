// Paper.related and recommendedPapers against the bundled catalogue: the
// topics are found in the data by this file's own reading of the texts
// (words, lower-cased, accents removed), not by the code under test.
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { RELATED_NODES } from '../src/http/admission.ts';
import { client, scratchFolder } from './helpers.ts';
import { dailySeedFiles, writeJson } from './ingest-helpers.ts';
import { paperTexts, quotedTerms, wordsOf, type Text } from './texts.ts';

type Api = ReturnType<typeof client>;
const paperId = (arxivId: string) => encodeGlobalID('Paper', arxivId);

const texts = (api: Api): Map<string, Text> => paperTexts(api.database.sqlite);

const RELATED = `query ($arxivId: String!, $first: Int) { paper(arxivId: $arxivId) { arxivId related(first: $first) {
  totalCount edges { score because { terms authors organization } node { arxivId title } } pageInfo { hasNextPage endCursor } } } }`;

type Edge = { score: number; because: { terms: string[]; authors: string[]; organization: string | null }; node: { arxivId: string; title: string } };

describe('related papers and recommendations', () => {
  // Made with the file, so that on PostgreSQL its copy is made before the tests and closed after them.
  const api = client();
  let all: Map<string, Text>;
  /** Distinctive title words: in the titles of 15 papers at least, in the texts of 3% of the catalogue at most; with the papers whose title has each. */
  let topics: { word: string; papers: string[] }[];

  const related = async (arxivId: string, first = 10): Promise<Edge[]> =>
    (await api.data<{ paper: { related: { edges: Edge[] } } }>(RELATED, { arxivId, first })).paper.related.edges;

  beforeAll(() => {
    all = texts(api);
    const byWord = new Map<string, string[]>();
    for (const t of all.values()) for (const w of t.titleWords) if (w.length > 5 && !/\d/u.test(w)) byWord.set(w, [...(byWord.get(w) ?? []), t.arxivId]);
    const df = new Map<string, number>();
    for (const t of all.values()) for (const w of t.words) df.set(w, (df.get(w) ?? 0) + 1);
    topics = [...byWord]
      .filter(([word, papers]) => papers.length >= 15 && df.get(word)! <= 0.03 * all.size)
      .map(([word, papers]) => ({ word, papers: papers.sort() }))
      .sort((a, b) => b.papers.length - a.papers.length || (a.word < b.word ? -1 : 1))
      .slice(0, 8);
  });

  it('finds papers on the topic of a paper: the top 10 of a paper titled with a distinctive word hold it ten times as often as the catalogue does', async () => {
    expect(topics.length).toBe(8);
    const shares: { word: string; onTopic: number; base: number }[] = [];
    for (const { word, papers } of topics) {
      const edges = await related(papers[0]!);
      expect(edges).toHaveLength(10);
      const onTopic = edges.filter((e) => all.get(e.node.arxivId)!.words.has(word)).length;
      // How many papers of the catalogue have the word at all: what a random top 10 would hold.
      const base = [...all.values()].filter((t) => t.words.has(word)).length / all.size;
      shares.push({ word, onTopic, base });
    }
    // Some title words are not topics ("bridging", "rethinking"): most of them are.
    const mean = (f: (x: (typeof shares)[number]) => number) => shares.reduce((s, x) => s + f(x), 0) / shares.length;
    expect(shares.filter((x) => x.onTopic / 10 > 3 * x.base).length, JSON.stringify(shares)).toBeGreaterThanOrEqual(6);
    expect(mean((x) => x.onTopic / 10), JSON.stringify(shares)).toBeGreaterThan(10 * mean((x) => x.base));
  });

  it('says why with terms found in both papers, authors of both and the organization of both', async () => {
    let terms = 0;
    for (const { papers } of topics) {
      const source = all.get(papers[0]!)!;
      for (const edge of await related(source.arxivId)) {
        const other = all.get(edge.node.arxivId)!;
        expect(edge.because.terms.length + edge.because.authors.length).toBeGreaterThan(0);
        for (const term of edge.because.terms) {
          const [folded] = wordsOf(term);
          expect(source.words.has(folded!) && other.words.has(folded!), `${term} in ${source.arxivId} and ${other.arxivId}`).toBe(true);
          terms++;
        }
        for (const name of edge.because.authors) expect(source.authors.includes(name) && other.authors.includes(name)).toBe(true);
        if (edge.because.organization !== null) expect([source.organization, other.organization]).toEqual([edge.because.organization, edge.because.organization]);
      }
    }
    expect(terms).toBeGreaterThan(80);
  });

  it('sums the reasons up in one line: each shared term quoted, each shared author and the organization named', async () => {
    const edges = (
      await api.data<{ paper: { related: { edges: (Edge & { because: { summary: string } })[] } } }>(
        `query ($arxivId: String!) { paper(arxivId: $arxivId) { related(first: 20) { edges { because { terms authors organization summary } } } } }`,
        { arxivId: topics[0]!.papers[0]! },
      )
    ).paper.related.edges;
    expect(edges).toHaveLength(20);
    for (const { because } of edges) {
      expect(because.summary).not.toContain('\n');
      expect(quotedTerms(because.summary)).toEqual(because.terms);
      for (const name of because.authors) expect(because.summary).toContain(name);
      if (because.organization) expect(because.summary).toContain(`also from ${because.organization}`);
    }
  });

  it('names shared authors, and ranks a paper sharing two authors near the top', async () => {
    const pair = api.database.sqlite
      .prepare(
        `SELECT pa.arxiv_id AS a, pb.arxiv_id AS b FROM paper_authors x JOIN paper_authors y ON y.author_id = x.author_id AND y.paper_id > x.paper_id
         JOIN papers pa ON pa.id = x.paper_id JOIN papers pb ON pb.id = y.paper_id GROUP BY x.paper_id, y.paper_id HAVING count(*) >= 2 ORDER BY pa.arxiv_id, pb.arxiv_id LIMIT 1`,
      )
      .get() as { a: string; b: string };
    const edges = await related(pair.a, 50);
    const edge = edges.find((e) => e.node.arxivId === pair.b);
    expect(edge, `${pair.b} among the related papers of ${pair.a}`).toBeDefined();
    const shared = all.get(pair.a)!.authors.filter((n) => all.get(pair.b)!.authors.includes(n));
    expect(edge!.because.authors.sort()).toEqual(shared.sort());
  });

  it('never relates a paper to itself nor lists a paper twice, on every paper of a page, in a constant number of statements', async () => {
    const query = (n: number) => `{ papers(first: ${n}) { nodes { arxivId related(first: 10) { nodes { arxivId title organization { name } } } } } }`;
    const data = await api.data<{ papers: { nodes: { arxivId: string; related: { nodes: { arxivId: string }[] } }[] } }>(query(20));
    expect(data.papers.nodes).toHaveLength(20);
    for (const paper of data.papers.nodes) {
      const ids = paper.related.nodes.map((n) => n.arxivId);
      expect(ids.length).toBeGreaterThan(0);
      expect(ids).not.toContain(paper.arxivId);
      expect(new Set(ids).size).toBe(ids.length);
    }
    const small = await api.sql(() => api.data(query(3)));
    const large = await api.sql(() => api.data(query(17)));
    expect(large.map((s) => s.slice(0, 40)), JSON.stringify([small, large].map((l) => l.map((s) => s.slice(0, 60))), null, 1)).toEqual(small.map((s) => s.slice(0, 40)));
  });

  it('pages on with endCursor, without repeating a paper', async () => {
    const arxivId = topics[0]!.papers[0]!;
    const first = (await api.data<any>(RELATED, { arxivId, first: 5 })).paper.related;
    expect(first.pageInfo.hasNextPage).toBe(true);
    const next = await api.data<any>(
      `query ($arxivId: String!, $after: String) { paper(arxivId: $arxivId) { related(first: 5, after: $after) { nodes { arxivId } } } }`,
      { arxivId, after: first.pageInfo.endCursor },
    );
    const ten = await related(arxivId, 10);
    expect([...first.edges.map((e: Edge) => e.node.arxivId), ...next.paper.related.nodes.map((n: { arxivId: string }) => n.arxivId)]).toEqual(
      ten.map((e) => e.node.arxivId),
    );
  });

  const RECOMMENDED = `query ($liked: [ID!]!, $disliked: [ID!], $first: Int) { recommendedPapers(liked: $liked, disliked: $disliked, window: ALL, first: $first) {
    edges { score because { terms } node { arxivId } } } }`;
  const recommend = async (liked: string[], disliked: string[] = [], first = 30): Promise<Edge[]> =>
    (await api.data<{ recommendedPapers: { edges: Edge[] } }>(RECOMMENDED, { liked: liked.map(paperId), disliked: disliked.map(paperId), first })).recommendedPapers.edges;

  it('recommends papers on the topic of the liked papers, never the liked ones themselves', async () => {
    const { word, papers } = topics[1]!;
    const liked = papers.slice(0, 3);
    const edges = await recommend(liked, [], 10);
    expect(edges).toHaveLength(10);
    for (const e of edges) expect(liked).not.toContain(e.node.arxivId);
    const onTopic = edges.filter((e) => all.get(e.node.arxivId)!.words.has(word)).length;
    expect(onTopic, word).toBeGreaterThanOrEqual(5);
    for (const e of edges) for (const term of e.because.terms) expect(all.get(e.node.arxivId)!.words.has(wordsOf(term)[0]!)).toBe(true);
  });

  it('pushes a topic down when a paper on it is disliked', async () => {
    // Liked: papers of one topic; disliked: the paper most like them, and its strongest shared term is the topic pushed down.
    const liked = topics[2]!.papers.slice(0, 3);
    const before = await recommend(liked);
    const disliked = before[0]!.node.arxivId;
    const term = wordsOf(before[0]!.because.terms[0]!)[0]!;
    const after = await recommend(liked, [disliked]);
    const rankOf = (edges: Edge[]) => edges.map((e, i) => (all.get(e.node.arxivId)!.words.has(term) ? i : edges.length)).reduce((a, b) => a + b, 0);
    const withTerm = (edges: Edge[]) => edges.filter((e) => all.get(e.node.arxivId)!.words.has(term)).length;
    expect(after.map((e) => e.node.arxivId)).not.toContain(disliked);
    expect(withTerm(after), term).toBeLessThan(withTerm(before));
    expect(rankOf(after)).toBeGreaterThan(rankOf(before));
  });

  it('relates a new paper the moment its import commits, both ways', async () => {
    const source = all.get(topics[3]!.papers[0]!)!;
    const [template] = JSON.parse(gunzipSync(readFileSync(dailySeedFiles()[0]!)).toString('utf8')) as { paper: Record<string, unknown> }[];
    const abstract = api.database.sqlite.prepare('SELECT abstract FROM papers WHERE arxiv_id = ?').pluck().get(source.arxivId) as string;
    const item = structuredClone(template!);
    Object.assign(item.paper, { id: '2611.99999', title: `Revisiting ${source.title}`, summary: abstract, authors: [{ name: 'A. Newcomer' }], ai_keywords: [] });
    delete item.paper.organization;
    delete (item as Record<string, unknown>).organization;
    const file = writeJson(scratchFolder(), 'new.json', [item]);
    expect((await api.importFiles([file])).papersAdded).toBe(1);
    expect((await related('2611.99999', 3)).map((e) => e.node.arxivId)).toContain(source.arxivId);
    expect((await related(source.arxivId, 3)).map((e) => e.node.arxivId)).toContain('2611.99999');
  });

  it('counts related and recommended lists by the postings each reading scores, besides their pages', async () => {
    const cost = async (query: string, variables?: Record<string, unknown>) => {
      const response = await api.app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
      const body = (await response.json()) as { errors?: unknown; extensions: { cost: { requestedNodes: number } } };
      expect(body.errors).toBeUndefined();
      return body.extensions.cost.requestedNodes;
    };
    // Ten readings of related papers, one for each paper of the page.
    expect(await cost('{ papers(first: 10) { nodes { related(first: 10) { nodes { title } } } } }')).toBe(10 + 10 * (RELATED_NODES + 10));
    const liked = [...all.keys()].sort().slice(0, 2).map(paperId);
    expect(await cost(RECOMMENDED, { liked, first: 3 })).toBe(RELATED_NODES + 3);
  });

  describe('refuses hostile or huge input, naming the argument', () => {
    const ask = (query: string, variables: Record<string, unknown>) => api.query(query, variables);
    const refusal = async (variables: Record<string, unknown>, argument: string, message: RegExp) => {
      const result = await ask(RECOMMENDED, { first: 10, ...variables });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
      expect(result.errors![0]!.message).toMatch(message);
    };
    const some = () => [...all.keys()].sort().slice(0, 51).map(paperId);

    it('51 liked or disliked ids', async () => {
      await refusal({ liked: some() }, 'liked', /holds 51 ids; at most 50/u);
      await refusal({ liked: some().slice(0, 1), disliked: some() }, 'disliked', /holds 51 ids; at most 50/u);
    });
    it('no liked paper, malformed ids, ids of other types, unknown papers', async () => {
      await refusal({ liked: [] }, 'liked', /is empty/u);
      await refusal({ liked: [some()[0], 'not an id'] }, 'liked[1]', /is not an id served by this API/u);
      await refusal({ liked: [encodeGlobalID('Author', '1')] }, 'liked[0]', /not of a Paper/u);
      await refusal({ liked: [paperId('2611.00000')] }, 'liked[0]', /names no paper/u);
    });
    it('a paper both liked and disliked, as digests and feeds refuse it', async () => {
      const [a, b] = some();
      await refusal({ liked: [a, b], disliked: [b] }, 'disliked[0]', /names a paper that is liked too/u);
    });
    it('first: 1000 and foreign cursors', async () => {
      await refusal({ liked: some().slice(0, 1), first: 1000 }, 'first', /between 1 and 100; got 1000/u);
      const result = await ask(RELATED, { arxivId: topics[0]!.papers[0]!, first: 1000 });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
      const cursor = await ask(`{ paper(arxivId: "${topics[0]!.papers[0]}") { related(after: "eyJ4Ijox") { nodes { title } } } }`, {});
      expect(cursor.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    });
  });
});
