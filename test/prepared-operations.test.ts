// Prepared operations (src/http/prepared-operations.ts): a read Yoga has
// answered once is answered again from node:http, on a real port. What it
// answers must be what Yoga answers, header for header and byte for byte; what
// it does not answer reaches Yoga whole; and its requests are rate-limited,
// counted and logged like Yoga's.
import { Agent, createServer, request as httpRequest, IncomingMessage, type RequestListener, type Server } from 'node:http';
import { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { givenBeforeYoga, type GivenBeforeYoga } from '../src/http/limits.ts';
import type { PreparedStats } from '../src/http/prepared-operations.ts';
import { createApp, createRequestListener } from '../src/yoga.ts';
import { seededCatalogue } from './helpers.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

// As the bench runs it: no response cache (whose ETags are never replayed here).
const ENV = { RESPONSE_CACHE_TTL_MS: '0', RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent' };

async function listen(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

/** The whole server on 127.0.0.1 and a free port, and Yoga alone (createApp) on the same database to compare with. */
async function serve(env: Record<string, string> = {}) {
  const database = seededCatalogue();
  const config = loadConfig({ ...ENV, ...env });
  const stats: PreparedStats = { prepared: 0, served: 0, handedOver: 0 };
  const url = await listen(createRequestListener(database, { config, preparedStats: stats }));
  return { url, stats, database, yogaUrl: await listen(createApp(database, { config })) };
}

interface Answer {
  status: number;
  /** Lower-case names, sorted; without Date and the request id, which are the request's own. */
  headers: [string, string][];
  body: string;
  requestId: string | null;
}

async function read(response: Response): Promise<Answer> {
  return {
    status: response.status,
    headers: [...response.headers].filter(([name]) => name !== 'date' && name !== 'x-request-id').sort(),
    body: await response.text(),
    requestId: response.headers.get('x-request-id'),
  };
}

// A function: whatwg-node's Headers write into the object they are given (a content-length, for one).
const jsonHeaders = () => ({ 'content-type': 'application/json', accept: 'application/json' });
const post = async (url: string, body: unknown, headers: Record<string, string> = jsonHeaders()) =>
  read(await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }));

const PAPER = 'query Paper($id: String!) { paper(arxivId: $id) { arxivId title authors { name } organization { name } } }';

/** Reads of every kind the API has, each with two sets of variables. */
const READS: { query: string; variables: [Record<string, unknown>?, Record<string, unknown>?] }[] = [
  { query: PAPER, variables: [{ id: '2310.05869' }, { id: '2412.10085' }] },
  {
    query: `query Trending($first: Int) { trendingPapers(first: $first) { totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { id arxivId title upvotes trendingScore authors { id name } organization { id name slug } } } } }`,
    variables: [{ first: 20 }, { first: 3 }],
  },
  {
    query: `query Org($slug: String!) { organization(slug: $slug) { name papers(first: 20) { totalCount nodes { arxivId title publishedAt authors { name } } } } }`,
    variables: [{ slug: 'nvidia' }, { slug: 'no-such-organization' }],
  },
  {
    query: `query Digest($period: DigestPeriod!) { digest(period: $period) { startDate endDate papers(first: 20) { totalCount nodes { arxivId title upvotes abstract } } } }`,
    variables: [{ period: 'WEEK' }, { period: 'MONTH' }],
  },
  {
    query: `query Search($q: String!) { searchPapers(query: $q, first: 5) { totalCount edges { score titleHighlight abstractSnippet node { title authors { name } } } } }`,
    variables: [{ q: 'model' }, { q: '"world model"' }],
  },
  { query: '{ __typename organizations(first: 3) { nodes { id name paperCount } } }', variables: [undefined, {}] },
];

describe('prepared operations', () => {
  it('answer a read that Yoga has answered once exactly as Yoga does, with the same statements', async () => {
    const { url, stats, database, yogaUrl } = await serve();
    const statements = async (run: () => Promise<Answer>) => {
      const before = database.statements.count;
      return { answer: await run(), statements: database.statements.count - before };
    };
    for (const { query, variables } of READS) {
      const first = await post(url, { query, variables: variables[0] });
      expect(first.status, query).toBe(200);
      expect(JSON.parse(first.body).errors, query).toBeUndefined();
      for (const vars of variables) {
        const served = stats.served;
        const prepared = await statements(() => post(url, { query, variables: vars }));
        expect(stats.served, query).toBe(served + 1);
        const viaYoga = await statements(() => post(yogaUrl, { query, variables: vars }));
        expect(prepared.statements, query).toBe(viaYoga.statements);
        expect({ ...prepared.answer, requestId: null }, query).toEqual({ ...viaYoga.answer, requestId: null });
        expect(prepared.answer.requestId).toMatch(/^[0-9a-f-]{36}$/u);
      }
    }
    expect(stats.prepared).toBe(READS.length);
    // A request id the client chose is kept, as Yoga keeps it.
    const echoed = await fetch(url, { method: 'POST', headers: { ...jsonHeaders(), 'x-request-id': 'client-id-1' }, body: JSON.stringify({ query: PAPER, variables: { id: '2310.05869' } }) });
    expect(echoed.headers.get('x-request-id')).toBe('client-id-1');
  });

  it('are kept per Accept, Origin and Content-Type, and answer each as Yoga did', async () => {
    const { url, stats } = await serve({ CORS_ORIGINS: 'https://embed.example' });
    const body = { query: PAPER, variables: { id: '2310.05869' } };
    const kinds: Record<string, string>[] = [
      { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      { 'content-type': 'application/json', accept: 'application/json', origin: 'https://embed.example' },
      { 'content-type': 'application/json; charset=utf-8' },
    ];
    for (const headers of kinds) {
      const prepared = stats.prepared;
      const first = await post(url, body, headers);
      expect(stats.prepared).toBe(prepared + 1);
      const served = stats.served;
      const again = await post(url, body, headers);
      expect(stats.served).toBe(served + 1);
      expect(again).toEqual({ ...first, requestId: again.requestId });
    }
    expect((await post(url, body, kinds[0])).headers).toContainEqual(['content-type', 'application/graphql-response+json; charset=utf-8']);
    expect((await post(url, body, kinds[1])).headers).toContainEqual(['access-control-allow-origin', 'https://embed.example']);
  });

  it('hand to Yoga, whole, what they do not answer', async () => {
    const { url, stats, yogaUrl } = await serve();
    await post(url, { query: PAPER, variables: { id: '2310.05869' } }); // prepared from now on
    const bodies = [
      JSON.stringify({ query: PAPER, variables: { id: 'not-an-id' } }), // an error in the execution
      JSON.stringify({ query: PAPER, variables: { id: 5 } }), // a variable of the wrong type
      JSON.stringify({ query: PAPER, variables: {} }), // a variable missing
      JSON.stringify({ query: PAPER, variables: { id: '2310.05869' }, extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } }),
      JSON.stringify([{ query: PAPER, variables: { id: '2310.05869' } }]), // a batch
      JSON.stringify({ query: PAPER, operationName: 5 }),
      `{"query": ${JSON.stringify(PAPER)}, "variables": `, // not JSON
      JSON.stringify({ query: '{ paper(arxivId: "2310.05869") { nope } }' }), // invalid
      JSON.stringify({ query: '{ __schema { queryType { name } } }' }), // introspection (left to graphql-js)
    ];
    for (const body of bodies) {
      const handedOver = stats.handedOver;
      const served = stats.served;
      const answer = await post(url, body);
      expect(stats.served, body).toBe(served);
      expect(stats.handedOver, body).toBe(handedOver + 1);
      expect({ ...answer, requestId: null }, body).toEqual({ ...(await post(yogaUrl, body)), requestId: null });
      // Twice: what failed or was refused is never prepared.
      expect((await post(url, body)).body).toBe(answer.body);
      expect(stats.served, body).toBe(served);
    }
    // Mutations are not prepared: each one runs through Yoga (two addresses: one gets one confirmation per ten minutes).
    const mutation = (email: string) => ({ query: 'mutation($e: String!) { subscribeToDigest(input: { email: $e, period: WEEK }) { ok } }', variables: { e: email } });
    const [handedOver, served] = [stats.handedOver, stats.served];
    expect((await post(url, mutation('reader@example.com'))).body).toBe('{"data":{"subscribeToDigest":{"ok":true}}}');
    expect((await post(url, mutation('other@example.com'))).body).toBe('{"data":{"subscribeToDigest":{"ok":true}}}');
    expect([stats.handedOver, stats.served]).toEqual([handedOver + 2, served]);
    // Nor GET, which Yoga answers as before.
    const get = await fetch(`${url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json' } });
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
    expect(stats.prepared).toBe(1);
  });

  it('are rate-limited, counted and logged like any request, and take one token even when Yoga answers after them', async () => {
    const { url, stats } = await serve({ RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '6' });
    const body = { query: PAPER, variables: { id: '2310.05869' } };
    const remaining = (answer: Answer) => Number(answer.headers.find(([name]) => name === 'ratelimit-remaining')?.[1]);
    const first = await post(url, body);
    const served = await post(url, body);
    expect(stats.served).toBe(1);
    expect(remaining(first) - remaining(served)).toBe(1);
    expect(served.headers.map(([name]) => name)).toEqual(expect.arrayContaining(['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'ratelimit-policy']));
    // Started here, ended with an error, answered by Yoga: one token, not two.
    const failed = await post(url, { query: PAPER, variables: { id: 'not-an-id' } });
    expect(JSON.parse(failed.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(remaining(served) - remaining(failed)).toBe(1);
    const answers = [first, served, failed];
    while (answers.at(-1)!.status === 200) answers.push(await post(url, body));
    const refused = answers.at(-1)!;
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(refused.headers.map(([name]) => name)).toContain('retry-after');
    // The burst of 6: 3 above, then 3 more served here, then the 429.
    expect(answers).toHaveLength(7);
    expect(stats.served).toBe(4);

    // Counted as Yoga counts them: every request, and every operation but that of the refused one.
    const metrics = await (await fetch(url.replace('/graphql', '/metrics'))).text();
    const count = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1]);
    expect(count(/^http_requests_total\{method="POST",route="\/graphql",status="200"\} (\d+)$/mu)).toBe(6);
    expect(count(/^http_requests_total\{method="POST",route="\/graphql",status="429"\} (\d+)$/mu)).toBe(1);
    expect(count(/^graphql_operations_total\{operation_name="Paper",operation_type="query"\} (\d+)$/mu)).toBe(6);
  });

  it('hand Yoga the rate decision and the deadline they started a request with', async () => {
    const yoga = createApp(seededCatalogue(), { config: loadConfig({ ...ENV, RATE_LIMIT_PER_MINUTE: '60' }) });
    const ask = (req: IncomingMessage) =>
      yoga.fetch('http://127.0.0.1/graphql', { method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ query: PAPER, variables: { id: '2310.05869' } }) }, { req });
    /** A node:http request as the listener hands it over, with what it was given. */
    const handedOver = (given: GivenBeforeYoga) => {
      const req = new IncomingMessage(new Socket());
      Object.assign(givenBeforeYoga(req), given);
      return req;
    };
    const timedOut = handedOver({ deadline: { at: Date.now() - 1, ms: 7 } });
    const late = await ask(timedOut);
    expect(late.status).toBe(503);
    expect((await late.json()).errors[0]).toMatchObject({ message: 'Request took longer than 7 ms and was cut off.', extensions: { code: 'REQUEST_TIMEOUT' } });

    const answer = await ask(handedOver({ decision: { allowed: false, headers: { 'Retry-After': '7', 'RateLimit-Remaining': '0' } } }));
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('7');
    // That one took no token of the bucket (all three come from the same address): the other two did.
    const third = await ask(handedOver({}));
    expect(third.headers.get('ratelimit-remaining')).toBe(String(loadConfig(ENV).limits.rateBurst - 2));
  });

  it('read a body Yoga would refuse for its size as Yoga would', async () => {
    const { url, stats } = await serve({ MAX_BODY_BYTES: '200' });
    const answer = await post(url, { query: `${PAPER} # ${'x'.repeat(300)}`, variables: { id: '2310.05869' } });
    expect(answer.status).toBe(413);
    expect(stats.handedOver).toBe(1);
  });

  it('answer over a kept-alive connection request after request', async () => {
    const { url, stats } = await serve();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const body = JSON.stringify({ query: PAPER, variables: { id: '2310.05869' } });
    const once = () =>
      new Promise<string>((resolve, reject) => {
        const req = httpRequest(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(text));
        });
        req.once('error', reject);
        req.end(body);
      });
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await once());
    agent.destroy();
    expect(new Set(answers).size).toBe(1);
    expect(JSON.parse(answers[0]!).data.paper.arxivId).toBe('2310.05869');
    expect(stats.served).toBe(19);
  });
});
