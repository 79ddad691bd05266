// What the benchmark asks the server, and what a correct answer looks like.
import { getOperationAST, parse } from 'graphql';
import type { RawEndpoint } from './raw.ts';

export interface Scenario {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** The raw baseline's endpoint for the same request (raw.ts); none for the setup query. */
  raw?: RawEndpoint;
  /** Says what is missing from a successful answer's data, or null when it is all there. */
  missing(data: Record<string, any>): string | null;
  /** For a search: how many papers it found (its totalCount). */
  matches?(data: Record<string, any>): number | null;
}

const nonEmpty = (nodes: unknown, what: string) => (Array.isArray(nodes) && nodes.length > 0 ? null : `no ${what}`);

/** The paper the `paper(arxivId)` scenario asks for in the seed catalogue. */
export const PAPER_ID = '2310.05869';

/** What the scenarios need to know about the catalogue, found with SETUP_QUERY. */
export interface CatalogueFacts {
  /** The organization with most papers: its papers are listed. */
  organizationSlug: string;
  /** The latest listing day: the filtered search looks at the half year up to it. */
  latestDay: string;
  /** A paper that exists. */
  paperId: string;
}

export const SETUP_QUERY = /* GraphQL */ `
  query BenchSetup {
    organizations(first: 1) { nodes { slug } }
    digest(period: DAY) { startDate }
  }
`;

/** The organization and the listing window of the filtered search. */
export const SEARCH_ORGANIZATION = 'nvidia';
const SEARCH_WINDOW_DAYS = 182;

const SEARCH_QUERY = /* GraphQL */ `
  query Search($query: String!, $filter: PaperFilter) {
    searchPapers(query: $query, filter: $filter, first: 20) {
      totalCount
      edges {
        score
        titleHighlight
        abstractSnippet
        node { arxivId title authors { name } organization { name } }
      }
    }
  }
`;

const daysBefore = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

function search(query: string, filter?: { organizations: string[]; listed: { from: string; to: string } }): Scenario {
  const shown = filter
    ? `${JSON.stringify(query)}, ${filter.organizations.join(' ')}, listed ${filter.listed.from}..${filter.listed.to}`
    : JSON.stringify(query);
  return {
    name: `searchPapers(${shown})`,
    query: SEARCH_QUERY,
    variables: { query, filter },
    raw: 'search',
    // A small generated catalogue may have no paper with the rare word: finding none is an answer too.
    missing: (data) => {
      const found = data.searchPapers;
      if (typeof found?.totalCount !== 'number' || !Array.isArray(found.edges)) return 'no searchPapers connection';
      return found.edges.length === Math.min(20, found.totalCount) ? null : `${found.edges.length} edges for ${found.totalCount} papers found`;
    },
    matches: (data) => data.searchPapers?.totalCount ?? null,
  };
}

export function scenarios({ organizationSlug, latestDay, paperId }: CatalogueFacts): Scenario[] {
  return [
    {
      name: 'trendingPapers(first: 20)',
      query: /* GraphQL */ `
        query Trending {
          trendingPapers(first: 20) {
            nodes { arxivId title upvotes trendingScore authors { name } organization { name } }
          }
        }
      `,
      raw: 'trending',
      missing: (data) => nonEmpty(data.trendingPapers?.nodes, 'trending papers'),
    },
    {
      name: `paper(arxivId: "${paperId}")`,
      query: /* GraphQL */ `
        query Paper($arxivId: String!) {
          paper(arxivId: $arxivId) { title authors { name } organization { name } }
        }
      `,
      variables: { arxivId: paperId },
      raw: 'paper',
      missing: (data) => (data.paper ? nonEmpty(data.paper.authors, 'authors') : `no paper ${paperId}`),
    },
    {
      name: `organization("${organizationSlug}").papers(first: 20)`,
      query: /* GraphQL */ `
        query OrganizationPapers($slug: String!) {
          organization(slug: $slug) {
            name
            papers(first: 20) { nodes { arxivId title authors { name } } }
          }
        }
      `,
      variables: { slug: organizationSlug },
      raw: 'organizationPapers',
      missing: (data) => (data.organization ? nonEmpty(data.organization.papers?.nodes, 'papers') : `no organization ${organizationSlug}`),
    },
    {
      name: 'digest(period: WEEK).papers(first: 20)',
      query: /* GraphQL */ `
        query WeeklyDigest {
          digest(period: WEEK) {
            startDate
            endDate
            papers(first: 20) { totalCount nodes { arxivId title upvotes } }
          }
        }
      `,
      raw: 'digestWeek',
      missing: (data) => (data.digest ? nonEmpty(data.digest.papers?.nodes, 'papers in the digest') : 'no digest'),
    },
    // A word in a handful of papers, one in most of them (every match is
    // ranked and counted), a phrase (positions compared), and a word narrowed
    // by the papers table's columns.
    search('Kolmogorov'),
    search('model'),
    search('"world model"'),
    search('diffusion', {
      organizations: [SEARCH_ORGANIZATION],
      listed: { from: daysBefore(latestDay, SEARCH_WINDOW_DAYS - 1), to: latestDay },
    }),
  ];
}

/** The clients whose requests the bench sends, each as it sends them with its defaults. */
export const CLIENTS = ['Apollo Client 4', 'urql', 'Relay'] as const;
export type ClientName = (typeof CLIENTS)[number];

/** One request as a client sends it: its method, what follows the URL's path, headers and body. */
export interface ClientRequest {
  method: 'GET' | 'POST';
  search: string;
  headers: Record<string, string>;
  body?: string;
}

/** What Apollo Client 4's HttpLink sends with every POST. */
const APOLLO_HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json,application/json;q=0.9' };

const operationName = (query: string): string | undefined => getOperationAST(parse(query))?.name?.value;

/**
 * A scenario's request as each client sends it (test/clients.test.ts checks
 * the shapes against the real packages): Apollo Client 4's HttpLink POSTs
 * `extensions.clientLibrary` in every body; urql's default is a GET with the
 * query, operationName and variables in the URL and the GraphQL-over-HTTP
 * media type first in `Accept`; Relay's network layer, written by each
 * application, POSTs the compiled text and the variables, as Relay's guide
 * shows. The query text is the scenario's, with no `__typename` added as
 * Apollo's and urql's caches add it: the answer must stay the raw baseline's, byte for byte.
 */
export function clientRequest(scenario: Pick<Scenario, 'query' | 'variables'>, client: ClientName = 'Apollo Client 4'): ClientRequest {
  const variables = scenario.variables ?? {};
  switch (client) {
    case 'Apollo Client 4':
      return {
        method: 'POST',
        search: '',
        headers: { ...APOLLO_HEADERS },
        body: JSON.stringify({
          operationName: operationName(scenario.query),
          variables,
          extensions: { clientLibrary: { name: '@apollo/client', version: '4.3.8' } },
          query: scenario.query,
        }),
      };
    case 'urql': {
      const params = new URLSearchParams({ query: scenario.query });
      const name = operationName(scenario.query);
      if (name) params.set('operationName', name);
      params.set('variables', JSON.stringify(variables));
      return {
        method: 'GET',
        search: `?${params}`,
        headers: { accept: 'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed' },
      };
    }
    case 'Relay':
      return { method: 'POST', search: '', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: scenario.query, variables }) };
  }
}

/** The POST body of a scenario's request, as Apollo Client 4 sends it. */
export const requestBody = (scenario: Pick<Scenario, 'query' | 'variables'>): string => clientRequest(scenario).body!;

/**
 * The headers Apollo Client 4 sends with a POST. A new object each time:
 * yoga's in-process fetch (@whatwg-node) writes content-length into the
 * headers object it is given, which would then go out with the next request
 * of another length and leave the server waiting.
 */
export const requestHeaders = (): Record<string, string> => ({ ...APOLLO_HEADERS });

/**
 * Checks one response: 200, JSON, no `errors`, and data with what the
 * scenario expects. Throws with the response when not; returns the body text.
 */
export async function checkResponse(scenario: Scenario, response: Response, where: string): Promise<string> {
  const text = await response.text();
  const fail = (why: string) => {
    throw new Error(`${scenario.name} (${where}): ${why}\nresponse ${response.status}: ${text.slice(0, 2_000)}`);
  };
  if (response.status !== 200) fail(`status ${response.status}`);
  let result: { data?: Record<string, any> | null; errors?: unknown[] };
  try {
    result = JSON.parse(text) as typeof result;
  } catch {
    return fail('the body is not JSON');
  }
  if (result.errors !== undefined) fail('the response has errors');
  if (!result.data) return fail('the response has no data');
  const missing = scenario.missing(result.data);
  if (missing !== null) fail(missing);
  return text;
}
