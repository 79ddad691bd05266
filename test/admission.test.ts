// One admission step: every limit is refused the same way, byte for byte,
// whichever path brings the operation (a fresh POST, a replay of a document
// accepted before with small variables, GET, a persisted operation, a batch),
// and the cost is charged and reported on every path, cache hits included.
import { getIntrospectionQuery, isInterfaceType, isObjectType } from 'graphql';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { schema } from '../src/graphql/schema.ts';
import { client } from './helpers.ts';

/** The catalogue every app of this file reads, on the engine of the run (on PostgreSQL, copied once, before the tests). */
const catalogue = client();

/** An app of its own (response cache, budgets) over the file's catalogue, configured by `env`. */
function app(env: Record<string, string> = {}) {
  const database = catalogue.database;
  const yoga = catalogue.appWith({ config: loadConfig({ RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent', ...env }) });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    yoga.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify(body) });
  const get = (params: Record<string, unknown>) => {
    const search = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    return yoga.fetch(`http://test/graphql?${search}`, { headers: { accept: 'application/json' } });
  };
  return { yoga, database, post, get, statements: (run: () => Promise<unknown>) => catalogue.statements(run) };
}

const nested = (n: string) => `organizations(first: ${n}) { nodes { papers(first: ${n}) { nodes { authors { papers(first: ${n}) { nodes { title } } } } } } }`;

/** Requests that break a limit, each with the variables that break it and small ones that do not. */
const breaking: { name: string; code: string; query: string; big?: Record<string, unknown>; small?: Record<string, unknown> }[] = [
  { name: 'a variable default', code: 'QUERY_TOO_COSTLY', query: `query DV($n: Int = 100) { ${nested('$n')} }`, small: { n: 2 } },
  { name: 'variables', code: 'QUERY_TOO_COSTLY', query: `query V($n: Int) { ${nested('$n')} }`, big: { n: 100 }, small: { n: 2 } },
  { name: 'pages under a plain list', code: 'QUERY_TOO_COSTLY', query: `query L($n: Int) { papers(first: $n) { nodes { authors { papers(first: $n) { nodes { title } } } } } }`, big: { n: 40 }, small: { n: 1 } },
  { name: 'prefix expansion', code: 'QUERY_TOO_COSTLY', query: 'query S($q: String!) { searchPapers(query: $q, first: 5) { totalCount } }', big: { q: 'a* OR b* OR c* OR d*' }, small: { q: 'model' } },
  { name: 'related papers of related papers', code: 'QUERY_TOO_COSTLY', query: `query R($n: Int) { papers(first: $n) { nodes { related(first: $n) { nodes { related(first: $n) { nodes { title } } } } } } }`, big: { n: 20 }, small: { n: 2 } },
  { name: 'depth', code: 'QUERY_TOO_DEEP', query: `{ papers(first: 1) { nodes { authors { papers(first: 1) { nodes { authors { papers(first: 1) { nodes { authors { papers(first: 1) { nodes { authors { name } } } } } } } } } } } } }` },
  { name: 'aliases', code: 'TOO_MANY_ALIASES', query: `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: paper(arxivId: "2310.05869") { title }`).join(' ')} }` },
  { name: 'directives', code: 'TOO_MANY_DIRECTIVES', query: `{ paper(arxivId: "2310.05869") { title ${'@include(if: true) '.repeat(21)} } }` },
];

describe('admission', () => {
  for (const attempt of breaking) {
    it(`refuses ${attempt.name} the same way on every path`, async () => {
      // With the response cache on, as deployed: a refusal must replace a cached answer.
      const api = app();
      const variables = attempt.big;
      const fresh = await (await api.post({ query: attempt.query, variables })).json();
      expect(fresh.errors[0].extensions.code).toBe(attempt.code);
      expect(fresh.data).toBeUndefined();
      const refusal = JSON.stringify(fresh.errors);
      const bodies: unknown[] = [];
      if (attempt.small) {
        // Accepted with small variables (and cached), then replayed with the breaking ones.
        const accepted = await (await api.post({ query: attempt.query, variables: attempt.small })).json();
        expect(accepted.errors).toBeUndefined();
        bodies.push(await (await api.post({ query: attempt.query, variables })).json());
      }
      bodies.push(await (await api.get({ query: attempt.query, ...(variables && { variables }) })).json());
      const sha256Hash = createHash('sha256').update(attempt.query).digest('hex');
      const extensions = { persistedQuery: { version: 1, sha256Hash } };
      bodies.push(await (await api.post({ query: attempt.query, variables, extensions })).json());
      bodies.push(await (await api.post({ variables, extensions })).json());
      const batch = await (await api.post([{ query: '{ paper(arxivId: "2310.05869") { title } }' }, { query: attempt.query, variables }])).json();
      expect(batch[0].data.paper.title).toBeTruthy();
      bodies.push(batch[1]);
      for (const body of bodies) expect(JSON.stringify((body as { errors: unknown }).errors)).toBe(refusal);
      expect(bodies.length).toBeGreaterThanOrEqual(4);
    });
  }

  it('measures a fragment that spreads itself without looping, and leaves the refusal to validation', async () => {
    const api = app();
    const result = await (await api.post({ query: 'query { papers(first: 1) { nodes { ...A } } } fragment A on Paper { title ...B } fragment B on Paper { ...A }' })).json();
    expect(result.errors[0].message).toMatch(/Cannot spread fragment "A" within itself/u);
  });

  it('measures arguments of the wrong shape without failing, and leaves the refusal to validation', async () => {
    const api = app();
    // Arguments are measured before validation; an object literal's value has no prototype, so String() of it throws.
    for (const query of [
      '{ papers(orderBy: { field: {}, direction: DESC }, first: 1) { nodes { title } } }',
      '{ papers(orderBy: "UPVOTES", filter: { hasCode: {} }, first: {}) { nodes { title } } }',
      '{ trendingPapers(window: {}, filter: [], first: 1) { nodes { title } } }',
      '{ searchPapers(query: { a: 1 }, first: 1) { nodes { title } } nodes(ids: {}) { id } }',
    ]) {
      const response = await api.post({ query });
      expect(response.status, query).toBeLessThan(500);
      const result = await response.json();
      expect(result.data, query).toBeUndefined();
      for (const error of result.errors) expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED'], query).toContain(error.extensions.code);
    }
  });

  it('counts introspection by the schema\'s own sizes: the standard query admitted, thirty copies of the whole schema refused', async () => {
    const api = app();
    const types = Object.values(schema.getTypeMap());
    const most = Math.max(...types.map((type) => (isObjectType(type) || isInterfaceType(type) ? Object.keys(type.getFields()).length : 0)));
    const listing = await (await api.post({ query: '{ __schema { types { name fields { name } } } }' })).json();
    expect(listing.data.__schema.types).toHaveLength(types.length);
    expect(listing.extensions.cost.requestedNodes).toBe(types.length + types.length * most);
    // What GraphiQL and code generators send: more than a point, so a thread answers it; its depth is not counted.
    const standard = await (await api.post({ query: getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }) })).json();
    expect(standard.errors).toBeUndefined();
    expect(standard.extensions.cost.points).toBeGreaterThan(1);
    const whole = '__schema { types { name description fields { name description args { name type { name } } type { name ofType { name } } } } }';
    const copies = await (await api.post({ query: `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: ${whole}`).join(' ')} }` })).json();
    expect(copies.data).toBeUndefined();
    expect(copies.errors[0].extensions.code).toBe('QUERY_TOO_COSTLY');
  });

  it('counts a paper\'s authors by the largest author count in the catalogue', async () => {
    const api = app();
    const { n } = api.database.sqlite.prepare('SELECT max(c) AS n FROM (SELECT count(*) AS c FROM paper_authors GROUP BY paper_id)').get() as { n: number };
    const result = await (await api.post({ query: '{ papers(first: 10) { nodes { authors { papers(first: 3) { nodes { title } } } } } }' })).json();
    expect(result.extensions.cost).toMatchObject({ requestedNodes: 10 + 10 * n + 10 * n * 3, maxNodes: 100_000, points: Math.ceil((10 + 40 * n) / 1000) });
  });

  it('counts a list ordered by TRENDING by the papers it scores: the catalogue\'s, or the largest organization\'s', async () => {
    const api = app();
    const read = async (query: string) => (await (await api.post({ query })).json()).data;
    const { papers } = await read('{ papers(first: 1) { totalCount } }');
    const { organizations } = await read('{ organizations(orderBy: PAPER_COUNT, first: 1) { nodes { paperCount } } }');
    const largest = organizations.nodes[0].paperCount as number;
    expect(largest).toBeGreaterThan(20);
    const all = await (await api.post({ query: '{ papers(orderBy: { field: TRENDING }, first: 20) { nodes { title } } }' })).json();
    // Every paper is scored before the first of the page is known: more than a point, so an execution thread runs it.
    expect(all.extensions.cost.requestedNodes).toBe(20 + Math.ceil(papers.totalCount * 0.5));
    expect(all.extensions.cost.points).toBeGreaterThan(1);
    const theirs = await (await api.post({ query: '{ organizations(first: 3) { nodes { papers(orderBy: { field: TRENDING }, first: 5) { nodes { title } } } } }' })).json();
    expect(theirs.extensions.cost.requestedNodes).toBe(3 + 3 * (Math.ceil(largest * 0.5) + 5));
    // Another order scores nothing.
    const upvoted = await (await api.post({ query: '{ papers(orderBy: { field: UPVOTES }, first: 20) { nodes { title } } }' })).json();
    expect(upvoted.extensions.cost.requestedNodes).toBe(20);
  });

  it('counts trendingPapers by the window it scores, and a name search by its words', async () => {
    const api = app();
    const cost = async (query: string) => (await (await api.post({ query })).json()).extensions.cost.requestedNodes as number;
    // WEEK by default; ALL reads in the order of upvotes.
    expect(await cost('{ trendingPapers(first: 20) { nodes { title } } }')).toBe(2_000 + 20);
    expect(await cost('{ trendingPapers(window: DAY, first: 20) { nodes { title } } }')).toBe(1_000 + 20);
    expect(await cost('{ trendingPapers(window: MONTH, asOf: "2026-05-01T00:00:00Z", first: 1) { totalCount } }')).toBe(5_000 + 1);
    expect(await cost('{ trendingPapers(window: ALL, first: 20) { nodes { title } } }')).toBe(20);
    // Thirty months at other instants: each scores its window, 150,000 nodes in all.
    const months = Array.from({ length: 30 }, (_, i) => `m${i}: trendingPapers(window: MONTH, asOf: "2026-05-${String(i + 1).padStart(2, '0')}T00:00:00Z", first: 1) { totalCount }`);
    expect((await (await api.post({ query: `{ ${months.join(' ')} }` })).json()).errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', requestedNodes: 30 * 5_001 });
    expect(await cost('{ authors(query: "yann lecun", first: 10) { nodes { name } } }')).toBe(2 * 250 + 10);
    expect(await cost('{ organizations(query: "meta", first: 5) { nodes { name } } }')).toBe(250 + 5);
  });

  it('counts a list filtered by what its order\'s index does not bound by the papers it may check', async () => {
    const api = app();
    const cost = async (query: string) => (await (await api.post({ query })).json()).extensions.cost.requestedNodes as number;
    const { papers, organizations } = (await (await api.post({ query: '{ papers(first: 1) { totalCount } organizations(first: 1) { nodes { paperCount } } }' })).json()).data;
    const checked = Math.ceil(papers.totalCount * 0.1);
    expect(await cost('{ papers(filter: { hasCode: true }, first: 20) { nodes { title } } }')).toBe(20 + checked);
    expect(await cost('{ papers(filter: { minUpvotes: 5 }, first: 20) { nodes { title } } }')).toBe(20 + checked);
    expect(await cost('{ trendingPapers(window: ALL, filter: { hasCode: true }, first: 20) { nodes { title } } }')).toBe(20 + checked);
    const theirs = Math.ceil(organizations.nodes[0].paperCount * 0.1);
    expect(await cost('{ organizations(first: 3) { nodes { papers(filter: { hasCode: false }, first: 5) { nodes { title } } } } }')).toBe(3 + 3 * (theirs + 5));
    // Bounded by the order's own index, or by a trending window's papers (which count as the window's, below): the page alone.
    expect(await cost('{ papers(filter: { minUpvotes: 5 }, orderBy: { field: UPVOTES }, first: 20) { nodes { title } } }')).toBe(20);
    expect(await cost('{ papers(filter: { published: { from: "2024-01-01" } }, first: 20) { nodes { title } } }')).toBe(20);
    expect(await cost('{ papers(filter: { organizations: ["nvidia"] }, first: 20) { nodes { title } } }')).toBe(20);
    expect(await cost('{ trendingPapers(filter: { hasCode: true }, first: 20) { nodes { title } } }')).toBe(20 + 2_000);
  });

  it('counts a prefix by the known words it starts, which FTS5 reads', async () => {
    const api = app();
    const words = (prefix: string) => (api.database.sqlite.prepare("SELECT count(*) AS n FROM search_words WHERE word >= ? AND word < ? || char(1114111)").get(prefix, prefix) as { n: number }).n;
    const result = await (await api.post({ query: '{ searchPapers(query: "diffus* OR tok* model", first: 5) { nodes { title } } }' })).json();
    expect(words('diffus')).toBeGreaterThan(1);
    // Three terms, two of them prefixes, and a page of five papers.
    expect(result.extensions.cost.requestedNodes).toBe(3 * 1_000 + (words('diffus') + words('tok')) * 250 + 5);
    // A one-letter prefix starts about a thousand words: refused.
    expect((await (await api.post({ query: '{ searchPapers(query: "a*", first: 5) { nodes { title } } }' })).json()).errors[0].extensions.code).toBe('QUERY_TOO_COSTLY');
    // In a hyphenated word the star is its last word's: "based-a*" reads every word starting with "a" too.
    for (const query of ['based-a*', 'title:based-a*', '-based-a* model']) {
      const refused = await (await api.post({ query: `{ searchPapers(query: ${JSON.stringify(query)}, first: 5) { nodes { title } } }` })).json();
      expect(refused.errors[0].extensions, query).toMatchObject({ code: 'QUERY_TOO_COSTLY', requestedNodes: expect.any(Number) });
      expect(refused.errors[0].extensions.requestedNodes, query).toBeGreaterThanOrEqual(words('a') * 250);
    }
    const phrase = await (await api.post({ query: '{ searchPapers(query: "state-of-the-diffus*", first: 5) { nodes { title } } }' })).json();
    expect(phrase.extensions.cost.requestedNodes).toBe(1_000 + words('diffus') * 250 + 5);
  });

  it('charges the cost in points to the client\'s budget, cache hits included, and says so in extensions.cost and RateLimit headers', async () => {
    const api = app({ RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_BURST: '1000', TRUST_PROXY: 'true' }); // refills too slowly to change the figures
    const query = '{ trendingPapers(first: 20) { nodes { title authors { name } } } }';
    const from = { 'x-forwarded-for': '203.0.113.9' };
    const first = await api.post({ query }, from);
    const body = await first.json();
    const { points } = body.extensions.cost;
    expect(points).toBeGreaterThan(1);
    expect(body.extensions.cost.budget).toMatchObject({ remaining: 1000 - points, limit: 1000 });
    expect(first.headers.get('ratelimit-remaining')).toBe(String(1000 - points));
    let hit: Response | undefined;
    expect(await api.statements(async () => (hit = await api.post({ query }, from)))).toBe(0); // answered by the response cache
    expect((await hit!.json()).extensions.cost.budget.remaining).toBe(1000 - 2 * points);
    // Until the budget runs out: then RATE_LIMITED with 429, and nothing runs.
    let last: Response | undefined;
    for (let i = 0; i < Math.ceil(1000 / points); i++) last = await api.post({ query }, from);
    expect(last!.status).toBe(429);
    expect((await last!.json()).errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/u);
  });
});
