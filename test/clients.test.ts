// Real client libraries against the real server on a port, as an application
// would use them: Apollo Client 4 (normalized InMemoryCache, Relay paging,
// automatic persisted queries), urql, and graphql-http's audit suite for the
// GraphQL-over-HTTP spec. What the answers should be comes from the seeds
// (test/oracle.ts) or from the API asked directly.
import { copyFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql, type TypedDocumentNode } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { relayStylePagination } from '@apollo/client/utilities';
import { Client as UrqlClient, cacheExchange, fetchExchange } from '@urql/core';
import { serverAudits } from 'graphql-http';
import { parse, print, visit } from 'graphql';
import { firstValueFrom, filter } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startServer, type Running } from '../src/server.ts';
import { clientRequest, scenarios as benchScenarios, type ClientName } from './bench/scenarios.ts';
import { scratchFolder, type GraphQLResponse } from './helpers.ts';
import { oraclePapers } from './oracle.ts';

let api: Running;
/** Every body the clients sent, in order. */
const sent: Record<string, any>[] = [];

/** fetch, keeping what was sent. */
const recordingFetch: typeof fetch = (input, init) => {
  if (typeof init?.body === 'string') sent.push(JSON.parse(init.body));
  return fetch(input, init);
};

async function direct<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const result = (await response.json()) as GraphQLResponse<T>;
  expect(result.errors).toBeUndefined();
  return result.data!;
}

function apollo(links: ApolloLink[] = []) {
  return new ApolloClient({
    link: ApolloLink.from([...links, new HttpLink({ uri: api.url, fetch: recordingFetch })]),
    cache: new InMemoryCache({ typePolicies: { Organization: { fields: { papers: relayStylePagination(['filter', 'orderBy']) } } } }),
  });
}

beforeAll(async () => {
  const scratch = scratchFolder();
  const database = path.join(scratch, 'catalogue.db');
  copyFileSync(path.join(inject('runFolder'), 'seeded.db'), database);
  // The settings a deployment gets (rate limit, APQ, response cache on): clients meet the server as it runs.
  api = await startServer(loadConfig({ DATABASE_PATH: database, PORT: '0', SEEDS: 'off', LOG_LEVEL: 'warn', OUTBOX_DIR: path.join(scratch, 'outbox') }));
});

afterAll(async () => {
  await api?.close();
});

interface Node {
  id: string;
  arxivId: string;
  title: string;
  trendingScore: number;
}

const TRENDING: TypedDocumentNode<{ trendingPapers: { asOf: string; totalCount: number; edges: { score: number; node: Node }[] } }, { first: number; asOf?: string }> = gql`
  query Trending($first: Int!, $asOf: DateTime) {
    trendingPapers(first: $first, asOf: $asOf) {
      asOf
      totalCount
      edges { score node { id arxivId title trendingScore } }
    }
  }
`;

const PAPER: TypedDocumentNode<{ paper: (Node & { authors: { name: string }[] }) | null }, { arxivId: string }> = gql`
  query Paper($arxivId: String!) {
    paper(arxivId: $arxivId) { id arxivId title trendingScore authors { name } }
  }
`;

const ORGANIZATION_PAPERS: TypedDocumentNode<
  { organization: { id: string; name: string; paperCount: number; papers: { totalCount: number; edges: { cursor: string; node: { id: string; arxivId: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } },
  { slug: string; first: number; after?: string | null }
> = gql`
  query OrganizationPapers($slug: String!, $first: Int!, $after: String) {
    organization(slug: $slug) {
      id
      name
      paperCount
      papers(first: $first, after: $after) {
        totalCount
        edges { cursor node { id arxivId } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

const SEARCH: TypedDocumentNode<{ searchPapers: { totalCount: number; edges: { score: number; node: { id: string; arxivId: string; title: string } }[] } }, { query: string }> = gql`
  query Search($query: String!) {
    searchPapers(query: $query, first: 10) { totalCount edges { score node { id arxivId title } } }
  }
`;

describe('Apollo Client 4 with InMemoryCache', () => {
  it('runs the README’s trending, paper and search queries, with the answers the API gives', async () => {
    const client = apollo();
    const trending = await client.query({ query: TRENDING, variables: { first: 5 } });
    const expected = await direct('query($first: Int!) { trendingPapers(first: $first) { totalCount edges { score node { arxivId title trendingScore } } } }', { first: 5 });
    expect(trending.data!.trendingPapers.totalCount).toBe(expected.trendingPapers.totalCount);
    expect(trending.data!.trendingPapers.edges.map((e) => [e.score, e.node.arxivId, e.node.title, e.node.trendingScore])).toEqual(
      expected.trendingPapers.edges.map((e: any) => [e.score, e.node.arxivId, e.node.title, e.node.trendingScore]),
    );

    const arxivId = trending.data!.trendingPapers.edges[0]!.node.arxivId;
    const paper = await client.query({ query: PAPER, variables: { arxivId } });
    expect(paper.data!.paper!.title).toBe(oraclePapers().get(arxivId)!.title);
    expect(paper.data!.paper!.authors.map((a) => a.name)).toEqual(oraclePapers().get(arxivId)!.authors);
    // Normalized: the paper reached from the list and by its id is one cache entry.
    expect(paper.data!.paper!.id).toBe(trending.data!.trendingPapers.edges[0]!.node.id);
    expect(client.cache.identify({ __typename: 'Paper', id: paper.data!.paper!.id })).toBe(`Paper:${paper.data!.paper!.id}`);

    const search = await client.query({ query: SEARCH, variables: { query: 'kolmogorov' } });
    const matches = [...oraclePapers().values()].filter((p) => /kolmogorov/iu.test(`${p.title} ${p.abstract}`));
    expect(search.data!.searchPapers.totalCount).toBe(matches.length);
    expect(new Set(search.data!.searchPapers.edges.map((e) => e.node.arxivId)).size).toBe(Math.min(10, matches.length));
    expect(search.data!.searchPapers.edges.every((e) => matches.some((m) => m.arxivId === e.node.arxivId))).toBe(true);
  });

  it('pages an organization’s papers to the end with relayStylePagination: each paper once, as many as totalCount', async () => {
    const { organizations } = await direct<{ organizations: { nodes: { slug: string; paperCount: number }[] } }>('{ organizations(first: 1, orderBy: PAPER_COUNT) { nodes { slug paperCount } } }');
    const { slug, paperCount } = organizations.nodes[0]!;
    const first = 7; // several pages, the last one short
    expect(paperCount).toBeGreaterThan(3 * first);
    const client = apollo();
    const watched = client.watchQuery({ query: ORGANIZATION_PAPERS, variables: { slug, first } });
    // What a component watching the query shows: the list, growing as pages arrive (the cache tells watchers after fetchMore returns).
    const shown: number[] = [];
    const subscription = watched.subscribe((r) => r.dataState === 'complete' && shown.push(r.data.organization.papers.edges.length));
    const longerThan = async (length: number) => {
      const r = await firstValueFrom(watched.pipe(filter((r) => r.dataState === 'complete' && r.data.organization.papers.edges.length > length)));
      if (r.dataState !== 'complete') throw new Error('filtered for complete results');
      return r.data;
    };
    let current = await longerThan(0);
    let pages = 1;
    while (current.organization.papers.pageInfo.hasNextPage) {
      const { edges, pageInfo } = current.organization.papers;
      const [page] = await Promise.all([watched.fetchMore({ variables: { after: pageInfo.endCursor } }), (async () => (current = await longerThan(edges.length)))()]);
      expect(page.data!.organization.papers.edges.length).toBeLessThanOrEqual(first);
      pages += 1;
    }
    subscription.unsubscribe();
    const { papers } = current.organization;
    const ids = papers.edges.map((e) => e.node.arxivId);
    expect(pages).toBe(Math.ceil(paperCount / first));
    expect(ids).toHaveLength(papers.totalCount);
    expect(papers.totalCount).toBe(paperCount);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set([...oraclePapers().values()].filter((p) => p.org === slug).map((p) => p.arxivId)));
    // The watching component saw the list grow page by page, up to the whole list.
    expect(shown.at(-1)).toBe(paperCount);
    expect(new Set(shown)).toEqual(new Set(Array.from({ length: pages }, (_, i) => Math.min(paperCount, (i + 1) * first))));
  });

  it('keeps values consistent across queries: a past trending list, then one of its papers, leave the list ordered by its scores', async () => {
    const { trendingPapers: now } = await direct<{ trendingPapers: { asOf: string } }>('{ trendingPapers(first: 1) { asOf } }');
    const asOf = new Date(Date.parse(now.asOf) - 30 * 86_400_000).toISOString();
    const client = apollo();
    const watched = client.watchQuery({ query: TRENDING, variables: { first: 10, asOf } });
    const emitted: { score: number; trendingScore: number; arxivId: string }[][] = [];
    const subscription = watched.subscribe({
      next: (result) => result.dataState === 'complete' && emitted.push(result.data.trendingPapers.edges.map((e) => ({ score: e.score, trendingScore: e.node.trendingScore, arxivId: e.node.arxivId }))),
    });
    await watched.refetch();
    const list = emitted.at(-1)!;
    expect(list.length).toBe(10);
    // The list is ranked at its own asOf, which is not the default one: the edge says the score it was ranked by.
    expect(list.some((p) => p.score !== p.trendingScore)).toBe(true);

    const paper = await client.query({ query: PAPER, variables: { arxivId: list[0]!.arxivId }, fetchPolicy: 'network-only' });
    const after = client.readQuery({ query: TRENDING, variables: { first: 10, asOf } })!.trendingPapers.edges;
    subscription.unsubscribe();
    const scores = after.map((e) => e.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(after.map((e) => e.score)).toEqual(list.map((p) => p.score));
    // The second query wrote the same trendingScore the list holds: nothing in the cache was overwritten with another meaning.
    expect(after[0]!.node.trendingScore).toBe(paper.data!.paper!.trendingScore);
    expect(emitted.at(-1)).toEqual(list);
  });

  it('sends a known document by its hash alone with the persisted-queries link (APQ)', async () => {
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    const query = gql`
      query ApqPaper($arxivId: String!) { paper(arxivId: $arxivId) { arxivId title } }
    `;
    const arxivId = [...oraclePapers().keys()][0]!;
    const hashOnly = (body: Record<string, any>) => body.query === undefined && typeof body.extensions?.persistedQuery?.sha256Hash === 'string';

    const before = sent.length;
    const first = await apollo([new PersistedQueryLink({ sha256 })]).query({ query, variables: { arxivId } });
    expect(first.data).toEqual({ paper: { __typename: 'Paper', arxivId, title: oraclePapers().get(arxivId)!.title } });
    // A new document: the hash alone, refused as unknown, then the hash with the document.
    const introduced = sent.slice(before);
    expect(introduced).toHaveLength(2);
    expect(hashOnly(introduced[0]!)).toBe(true);
    expect(introduced[1]!.query).toContain('ApqPaper');
    expect(introduced[1]!.extensions.persistedQuery.sha256Hash).toBe(introduced[0]!.extensions.persistedQuery.sha256Hash);
    expect(introduced[0]!.extensions.persistedQuery.sha256Hash).toBe(sha256(introduced[1]!.query));

    // Another client (another page load): the hash alone is enough now.
    const again = await apollo([new PersistedQueryLink({ sha256 })]).query({ query, variables: { arxivId } });
    expect(again.data).toEqual(first.data);
    const known = sent.slice(before + 2);
    expect(known).toHaveLength(1);
    expect(hashOnly(known[0]!)).toBe(true);
  });
});

describe('urql', () => {
  it('runs trending, a paper lookup and a search, and answers a repeated query from its cache', async () => {
    const client = new UrqlClient({ url: api.url, exchanges: [cacheExchange, fetchExchange], fetch: recordingFetch, preferGetMethod: false });
    const trendingQuery = 'query UrqlTrending { trendingPapers(first: 3) { totalCount nodes { id arxivId title upvotes organization { name } } } }';
    const trending = await client.query(trendingQuery, {}).toPromise();
    expect(trending.error).toBeUndefined();
    // urql adds __typename to every selection; the rest is what the API answers.
    const withoutTypenames = (value: unknown) => JSON.parse(JSON.stringify(value, (key, v) => (key === '__typename' ? undefined : v)));
    expect(withoutTypenames(trending.data.trendingPapers)).toEqual((await direct(trendingQuery)).trendingPapers);

    const arxivId = trending.data.trendingPapers.nodes[0].arxivId as string;
    const paper = await client.query('query UrqlPaper($id: String!) { paper(arxivId: $id) { arxivId title publishedAt authors { name } } }', { id: `arXiv:${arxivId}` }).toPromise();
    const oracle = oraclePapers().get(arxivId)!;
    expect(paper.data.paper).toEqual({ __typename: 'Paper', arxivId, title: oracle.title, publishedAt: oracle.publishedAt, authors: oracle.authors.map((name) => ({ __typename: 'Author', name })) });

    const searchQuery = 'query UrqlSearch($q: String!) { searchPapers(query: $q, first: 5) { totalCount edges { score titleHighlight node { arxivId } } } }';
    const search = await client.query(searchQuery, { q: 'kolmogorov' }).toPromise();
    expect(search.error).toBeUndefined();
    expect(search.data.searchPapers.edges.length).toBeGreaterThan(0);
    expect(withoutTypenames(search.data.searchPapers)).toEqual((await direct(searchQuery, { q: 'kolmogorov' })).searchPapers);
    expect(search.data.searchPapers.edges.some((e: { titleHighlight: string }) => e.titleHighlight.toLowerCase().includes('<mark>kolmogorov'))).toBe(true);

    const posts = sent.length;
    const cached = await client.query(trendingQuery, {}).toPromise();
    expect(cached.operation.context.meta?.cacheOutcome).toBe('hit');
    expect(cached.data).toEqual(trending.data);
    expect(sent.length).toBe(posts);
  });

  it('reports the API’s refusal as a GraphQL error with its code', async () => {
    const client = new UrqlClient({ url: api.url, exchanges: [cacheExchange, fetchExchange] });
    const refused = await client.query('{ searchPapers(query: "-only") { totalCount } }', {}).toPromise();
    expect(refused.error?.graphQLErrors[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(refused.error?.networkError).toBeUndefined();
  });
});

describe('the benchmark’s requests', () => {
  /** What a fetch was asked: method, the URL after its path, headers and body. */
  interface Seen {
    method: string;
    search: string;
    headers: Record<string, string>;
    body?: string;
  }
  const seeing = (seen: Seen[]): typeof fetch => (input, init) => {
    const url = new URL(String(input));
    seen.push({ method: init?.method ?? 'GET', search: url.search, headers: { ...(init?.headers as Record<string, string>) }, body: init?.body as string | undefined });
    return fetch(input, init);
  };
  /** A document without the `__typename` fields the clients' caches add. */
  const withoutTypename = (query: string) =>
    print(visit(parse(query), { Field: (field) => (field.name.value === '__typename' ? null : undefined) }));
  /** The parts of a request that are not the document: the bench's text and the client's may differ in `__typename` and layout. */
  const shape = ({ method, search, headers, body }: Seen) => {
    const params = new URLSearchParams(search);
    const json = body === undefined ? undefined : JSON.parse(body);
    return {
      method,
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
      params: [...params.keys()],
      query: withoutTypename(params.get('query') ?? json.query),
      variables: params.has('variables') ? JSON.parse(params.get('variables')!) : json.variables,
      body: json && Object.keys(json),
      extensions: json?.extensions,
    };
  };

  it('are the requests Apollo Client 4 and urql send by default, and are answered as theirs are', async () => {
    const [lookup] = benchScenarios({ organizationSlug: 'nvidia', latestDay: '2026-06-30', paperId: '2310.05869' }).filter((s) => s.raw === 'paper');
    const seen: Seen[] = [];
    const apolloClient = new ApolloClient({ link: new HttpLink({ uri: api.url, fetch: seeing(seen) }), cache: new InMemoryCache() });
    const byApollo = await apolloClient.query({ query: gql(lookup!.query), variables: lookup!.variables, fetchPolicy: 'network-only' });
    const urqlClient = new UrqlClient({ url: api.url, exchanges: [cacheExchange, fetchExchange], fetch: seeing(seen) });
    const byUrql = await urqlClient.query(lookup!.query, lookup!.variables).toPromise();
    expect(seen).toHaveLength(2);
    const [apolloSent, urqlSent] = seen.map(shape);
    const bench = (client: ClientName) => {
      const request = clientRequest(lookup!, client);
      return shape({ ...request, method: request.method });
    };
    expect(bench('Apollo Client 4')).toEqual(apolloSent);
    expect(urqlSent!.method).toBe('GET');
    expect(bench('urql')).toEqual(urqlSent);

    // The bench's request is answered with what the client got, less the __typename fields its cache asked for.
    const answer = async (client: ClientName) => {
      const { method, search, headers, body } = clientRequest(lookup!, client);
      const response = await fetch(api.url + search, { method, headers, body });
      expect(response.status).toBe(200);
      return ((await response.json()) as GraphQLResponse).data;
    };
    const untyped = (value: unknown) => JSON.parse(JSON.stringify(value, (key, v) => (key === '__typename' ? undefined : v)));
    expect(await answer('Apollo Client 4')).toEqual(untyped(byApollo.data));
    expect(await answer('urql')).toEqual(untyped(byUrql.data));
    expect(await answer('Relay')).toEqual(untyped(byApollo.data));
    expect(untyped(byApollo.data).paper.authors.length).toBeGreaterThan(0);
  });
});

describe('graphql-http’s GraphQL-over-HTTP audits', () => {
  // One test per audit, so that a failure names the requirement.
  for (const audit of serverAudits({ url: () => api.url, fetchFn: fetch })) {
    it(audit.name, async () => {
      const result = await audit.fn();
      expect(result.status === 'ok' ? 'ok' : `${result.status}: ${result.reason}`).toBe('ok');
    });
  }
});
