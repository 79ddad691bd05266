// The most expensive request shapes the limits can admit, each with a size
// parameter: calibrate.ts times the largest size admitted alone, and
// contention.ts sends them back to back beside cheap requests.
export const EXPENSIVE_SHAPES: Record<string, (n: number) => string> = {
  'organizations × papers × authors × papers': (n) =>
    `{ organizations(first: ${n}) { nodes { papers(first: ${n}) { nodes { title authors { name papers(first: ${n}) { nodes { title } } } } } } } }`,
  'papers × authors': (n) => `{ papers(first: ${n}) { nodes { title abstract authors { name } organization { name } } } }`,
  'widest prefix search admitted (2 one-letter prefixes) × authors': (n) =>
    `{ searchPapers(query: "a* OR b*", first: ${n}) { totalCount edges { titleHighlight abstractSnippet node { title authors { name } } } } }`,
  'common word search': (n) => `{ searchPapers(query: "model", first: ${n}) { totalCount edges { titleHighlight abstractSnippet node { title } } } }`,
};

type Answer = { errors?: { extensions?: { code?: string } }[] };

/** The largest n (1–100) whose request the server at `url` admits, or 0: by bisection, each probe run for real. */
export async function largestAdmitted(url: string, shape: (n: number) => string): Promise<number> {
  const admitted = async (n: number) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: shape(n) }) });
    return ((await response.json()) as Answer).errors?.[0]?.extensions?.code !== 'QUERY_TOO_COSTLY';
  };
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
