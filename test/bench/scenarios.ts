// What the benchmark asks the server, and what a correct answer looks like.

export interface Scenario {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** Says what is missing from a successful answer's data, or null when it is all there. */
  missing(data: Record<string, any>): string | null;
}

const nonEmpty = (nodes: unknown, what: string) => (Array.isArray(nodes) && nodes.length > 0 ? null : `no ${what}`);

export const PAPER_ID = '2310.05869';

/** Finds the organization with most papers: scenario 3 lists its papers. */
export const BUSIEST_ORGANIZATION = /* GraphQL */ `
  query BusiestOrganization {
    organizations(first: 1) { nodes { slug } }
  }
`;

export function scenarios(organizationSlug: string): Scenario[] {
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
      missing: (data) => nonEmpty(data.trendingPapers?.nodes, 'trending papers'),
    },
    {
      name: `paper(arxivId: "${PAPER_ID}")`,
      query: /* GraphQL */ `
        query Paper($arxivId: String!) {
          paper(arxivId: $arxivId) { title authors { name } organization { name } }
        }
      `,
      variables: { arxivId: PAPER_ID },
      missing: (data) => (data.paper ? nonEmpty(data.paper.authors, 'authors') : `no paper ${PAPER_ID}`),
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
      missing: (data) => (data.digest ? nonEmpty(data.digest.papers?.nodes, 'papers in the digest') : 'no digest'),
    },
  ];
}

/** The POST body of a scenario's request. */
export function requestBody(scenario: Pick<Scenario, 'query' | 'variables'>): string {
  return JSON.stringify({ query: scenario.query, variables: scenario.variables });
}

/**
 * A new object each time: yoga's in-process fetch (@whatwg-node) writes
 * content-length into the headers object it is given, which would then go out
 * with the next request of another length and leave the server waiting.
 */
export const requestHeaders = (): Record<string, string> => ({ 'content-type': 'application/json', accept: 'application/json' });

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
