// The most expensive request shapes the limits can admit, each with a size
// parameter: calibrate.ts times the largest size admitted alone, and
// contention.ts sends them back to back beside cheap requests.
export const EXPENSIVE_SHAPES: Record<string, (n: number) => string> = {
  'organizations × papers × authors × papers': (n) =>
    `{ organizations(first: ${n}) { nodes { papers(first: ${n}) { nodes { title authors { name papers(first: ${n}) { nodes { title } } } } } } } }`,
  'papers × authors': (n) => `{ papers(first: ${n}) { nodes { title abstract authors { name } organization { name } } } }`,
  'wide prefix search (mo*: 324 words, tok*: 21) × authors': (n) =>
    `{ searchPapers(query: "mo* OR tok*", first: ${n}) { totalCount edges { titleHighlight abstractSnippet node { title authors { name } } } } }`,
  'papers × related': (n) => `{ papers(first: ${n}) { nodes { title related(first: ${n}) { nodes { title } } } } }`,
  'papers × related × related': (n) =>
    `{ papers(first: ${n}) { nodes { related(first: ${n}) { nodes { related(first: ${n}) { nodes { title } } } } } } }`,
  'papers by trending': (n) => `{ papers(orderBy: {field: TRENDING}, first: ${n}) { nodes { title upvotes } } }`,
  'organizations × papers by trending': (n) =>
    `{ organizations(first: ${n}) { nodes { name papers(orderBy: {field: TRENDING}, first: ${n}) { nodes { title } } } } }`,
  // A filter that no paper meets and that the order's index does not bound: every paper is checked.
  'papers filtered, none met': (n) => `{ papers(filter: {hasCode: true, minUpvotes: 1000000}, first: ${n}) { totalCount nodes { title } } }`,
  'organizations × papers filtered, none met': (n) =>
    `{ organizations(first: ${n}) { nodes { name papers(filter: {minUpvotes: 1000000}, first: ${n}) { totalCount nodes { title } } } } }`,
  'common word search': (n) => `{ searchPapers(query: "model", first: ${n}) { totalCount edges { titleHighlight abstractSnippet node { title } } } }`,
};

type Answer = { errors?: { extensions?: { code?: string } }[] };

/** Sends a query (to a server, or to an app in process) and gives its JSON answer. */
export type Send = (query: string) => Promise<unknown>;

/** POST to a server's /graphql. */
export const sendTo =
  (url: string): Send =>
  async (query) =>
    (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })).json();

/** The largest n (1–100) whose request is admitted, or 0: by bisection, each probe run for real. */
export async function largestAdmitted(send: Send, shape: (n: number) => string): Promise<number> {
  const admitted = async (n: number) => ((await send(shape(n))) as Answer).errors?.[0]?.extensions?.code !== 'QUERY_TOO_COSTLY';
  let [low, high] = [0, 100]; // low admitted (0: none), high + 1 refused
  if (await admitted(high)) return high;
  high -= 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (await admitted(middle)) low = middle;
    else high = middle - 1;
  }
  return low;
}
