// The HTTP surface as an attacker and a shared cache see it, through a real
// port: only JSON bodies run operations, CORS sends no credentials, every
// response says what it varies by and each representation has its own ETag,
// and bad input gets a 400 with a code that quotes nothing of what was sent.
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { MAX_INPUT_DEPTH } from '../src/http/request-guards.ts';
import { startServer, type Running } from '../src/server.ts';
import { scratchFolder } from './helpers.ts';

let api: Running;

beforeAll(async () => {
  const scratch = scratchFolder();
  const database = path.join(scratch, 'catalogue.db');
  copyFileSync(path.join(inject('runFolder'), 'seeded.db'), database);
  // Rate limiting on, with room for this file: each answer then says what the budget has left, and
  // (refilled by one point a minute) has one point less than the one before.
  api = await startServer(
    loadConfig({
      DATABASE_PATH: database,
      PORT: '0',
      SEEDS: 'off',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_BURST: '100000',
      RATE_LIMIT_PER_MINUTE: '1',
      OUTBOX_DIR: path.join(scratch, 'outbox'),
    }),
  );
});

afterAll(() => api?.close());

const post = (body: string, headers: Record<string, string> = {}) => fetch(api.url, { method: 'POST', headers, body });
const postJson = (body: unknown, headers: Record<string, string> = {}) =>
  post(JSON.stringify(body), { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers });
const get = (params: Record<string, string>, headers: Record<string, string> = {}) => fetch(`${api.url}?${new URLSearchParams(params)}`, { headers });

const codeOf = (body: any): string | undefined => body.errors?.[0]?.extensions?.code;
const varyOf = (response: Response): string[] => (response.headers.get('vary') ?? '').split(',').map((name) => name.trim().toLowerCase());
const nested = (levels: number, open: string, inner: string, close: string) => `${open.repeat(levels)}${inner}${close.repeat(levels)}`;

const TRENDING = '{ trendingPapers(window: WEEK, first: 2) { nodes { arxivId } } }';
const MUTATION = 'mutation { confirmDigestSubscription(token: "not-a-token") { ok } }';

describe('only JSON bodies run operations', () => {
  it.each([
    ['form-encoded', 'application/x-www-form-urlencoded', `query=${encodeURIComponent(MUTATION)}`],
    ['multipart', 'multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: MUTATION })}\r\n--x--\r\n`],
    ['text/plain', 'text/plain', JSON.stringify({ query: MUTATION })],
    ['text/plain with a charset', 'text/plain;charset=UTF-8', JSON.stringify({ query: MUTATION })],
    ['JSON in another charset', 'application/json; charset=utf-16', JSON.stringify({ query: MUTATION })],
  ])('refuses a %s POST with 415 and says what to send', async (_kind, contentType, body) => {
    const response = await post(body, { 'content-type': contentType });
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/u);
    const answer = await response.json();
    expect(answer.data).toBeUndefined();
    expect(codeOf(answer)).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(answer.errors[0].message).toContain('Content-Type: application/json');
    expect(JSON.stringify(answer)).not.toContain('not-a-token');
  });

  it('refuses a POST without a Content-Type with 415', async () => {
    const response = await fetch(api.url, { method: 'POST', body: new Uint8Array(Buffer.from(JSON.stringify({ query: TRENDING }))) });
    expect(response.status).toBe(415);
    expect(codeOf(await response.json())).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'Application/JSON', 'application/graphql+json'])(
    'runs a %s POST',
    async (contentType) => {
      const response = await post(JSON.stringify({ query: TRENDING }), { 'content-type': contentType });
      expect(response.status).toBe(200);
      expect((await response.json()).data.trendingPapers.nodes).toHaveLength(2);
    },
  );

  it('still takes the form POST of the digest pages’ own button', async () => {
    const response = await fetch(new URL('/digest/confirm', api.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=not-a-token',
    });
    expect(response.status).toBe(410);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/u);
    expect(await response.text()).toContain('Link no longer valid');
  });
});

describe('CORS', () => {
  it('answers a preflight for any origin without Access-Control-Allow-Credentials, and reflects only this request’s headers', async () => {
    const preflight = (requestHeaders: string) =>
      fetch(api.url, {
        method: 'OPTIONS',
        headers: { origin: 'https://one.example', 'access-control-request-method': 'POST', 'access-control-request-headers': requestHeaders },
      });
    const first = await preflight('content-type, x-first');
    expect(first.status).toBe(204);
    expect(first.headers.get('access-control-allow-origin')).toBe('https://one.example');
    expect(first.headers.has('access-control-allow-credentials')).toBe(false);
    expect(first.headers.get('access-control-allow-headers')).toBe('content-type, x-first');
    expect(varyOf(first)).toEqual(expect.arrayContaining(['origin', 'access-control-request-headers', 'accept']));
    const second = await preflight('content-type');
    expect(second.headers.get('access-control-allow-headers')).toBe('content-type');
  });

  it('computes CORS headers per request, also for an answer served from the response cache', async () => {
    const params = { query: '{ organizations(first: 3) { nodes { slug } } }' };
    const one = await get(params, { origin: 'https://one.example', accept: 'application/json' });
    const two = await get(params, { origin: 'https://two.example', accept: 'application/json' });
    expect(await two.json()).toMatchObject({ data: await one.json().then((body) => body.data) });
    expect(one.headers.get('access-control-allow-origin')).toBe('https://one.example');
    expect(two.headers.get('access-control-allow-origin')).toBe('https://two.example');
    for (const response of [one, two]) expect(response.headers.has('access-control-allow-credentials')).toBe(false);
    const mutation = await postJson({ query: MUTATION }, { origin: 'https://one.example' });
    expect(mutation.headers.has('access-control-allow-credentials')).toBe(false);
  });
});

describe('Vary and ETags', () => {
  const JSON_TYPE = 'application/json';
  const GRAPHQL_TYPE = 'application/graphql-response+json';

  it('says Vary: Origin and Accept once each on a GET answer, with or without an Origin', async () => {
    for (const headers of [{}, { origin: 'https://one.example' }, { accept: GRAPHQL_TYPE }] as Record<string, string>[]) {
      const response = await get({ query: TRENDING }, headers);
      expect(response.status).toBe(200);
      const vary = varyOf(response);
      expect(vary.filter((name) => name === 'origin')).toHaveLength(1);
      expect(vary.filter((name) => name === 'accept')).toHaveLength(1);
    }
  });

  it('gives each representation of a URL its own ETag and answers 304 to each for its own', async () => {
    const json = await get({ query: TRENDING }, { accept: JSON_TYPE });
    const graphql = await get({ query: TRENDING }, { accept: GRAPHQL_TYPE });
    expect(json.headers.get('content-type')).toMatch(/^application\/json/u);
    expect(graphql.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/u);
    const jsonTag = json.headers.get('etag')!;
    const graphqlTag = graphql.headers.get('etag')!;
    expect(jsonTag).toMatch(/^"[^",]+"$/u); // one tag, not a list
    expect(graphqlTag).toMatch(/^"[^",]+"$/u);
    expect(jsonTag).not.toBe(graphqlTag);

    for (const [accept, tag] of [[JSON_TYPE, jsonTag], [GRAPHQL_TYPE, graphqlTag]] as const) {
      const notModified = await get({ query: TRENDING }, { accept, 'if-none-match': tag });
      expect(notModified.status).toBe(304);
      expect(notModified.headers.get('etag')).toBe(tag);
      expect(varyOf(notModified)).toEqual(expect.arrayContaining(['origin', 'accept']));
      expect(notModified.headers.get('cache-control')).toBe('public, max-age=60');
    }
    // The other representation's tag does not match.
    const other = await get({ query: TRENDING }, { accept: GRAPHQL_TYPE, 'if-none-match': jsonTag });
    expect(other.status).toBe(200);
    expect(other.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/u);
    expect((await other.json()).data.trendingPapers.nodes).toHaveLength(2);
  });

  it('keeps the ETag while the budget in extensions.cost changes from one answer to the next', async () => {
    const first = await get({ query: TRENDING }, { accept: JSON_TYPE });
    const second = await get({ query: TRENDING }, { accept: JSON_TYPE });
    const [a, b] = [await first.json(), await second.json()];
    expect(a.data).toEqual(b.data);
    expect(b.extensions.cost.budget.remaining).toBe(a.extensions.cost.budget.remaining - a.extensions.cost.points);
    expect(first.headers.get('etag')).toBe(second.headers.get('etag'));
  });

  it.each(['/feeds/weekly.atom', '/embed.js'])('says Vary: Origin, Accept on %s and its 304, and keeps its ETag', async (route) => {
    const url = new URL(route, api.url);
    const first = await fetch(url, { headers: { origin: 'https://one.example' } });
    expect(first.status).toBe(200);
    expect(varyOf(first).filter((name) => name === 'origin')).toHaveLength(1);
    expect(varyOf(first)).toContain('accept');
    expect(first.headers.has('access-control-allow-credentials')).toBe(false);
    const notModified = await fetch(url, { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(notModified.status).toBe(304);
    expect(varyOf(notModified)).toEqual(expect.arrayContaining(['origin', 'accept']));
  });
});

describe('bad input gets 400 with a code, quoting nothing it was sent', () => {
  const SECRET = 'zebra-fragment-7731';

  it.each(['application/json', 'application/graphql-response+json'])('refuses a body that is not JSON (accepting %s)', async (accept) => {
    const response = await post(`{"query": "{ __typename }", "${SECRET}`, { 'content-type': 'application/json', accept });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('position');
    expect(codeOf(JSON.parse(text))).toBe('INVALID_JSON');
  });

  it('refuses an empty body', async () => {
    const response = await post('', { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
    expect(codeOf(await response.json())).toBe('INVALID_JSON');
  });

  it.each(['variables', 'extensions'])('refuses a GET whose %s parameter is not JSON, naming it', async (name) => {
    const response = await get({ query: TRENDING, [name]: `{${SECRET}` }, { accept: 'application/json' });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).not.toContain(SECRET);
    const body = JSON.parse(text);
    expect(codeOf(body)).toBe('INVALID_JSON');
    expect(body.errors[0].message).toContain(`"${name}"`);
  });

  const ORGANIZATIONS = 'query($orgs: [String!]) { papers(first: 1, filter: { organizations: $orgs }) { totalCount } }';
  /** The variables object is level 1, so a value `levels - 1` deep makes them `levels` deep. */
  const variablesOfDepth = (levels: number, open = '[', close = ']') => `{"orgs": ${nested(levels - 1, open, `"${SECRET}"`, close)}}`;

  it(`refuses variables nested more than ${MAX_INPUT_DEPTH} levels (10,000 lists, 10,000 objects) before anything reads them`, async () => {
    for (const variables of [variablesOfDepth(10_000), variablesOfDepth(10_000, '{"a":', '}'), variablesOfDepth(MAX_INPUT_DEPTH + 1)]) {
      const response = await post(`{"query": ${JSON.stringify(ORGANIZATIONS)}, "variables": ${variables}}`, { 'content-type': 'application/json', accept: 'application/json' });
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(text).not.toContain(SECRET);
      const body = JSON.parse(text);
      expect(codeOf(body)).toBe('INPUT_TOO_DEEP');
      expect(body.errors[0].message).toContain('"variables"');
    }
    // At the bound the variables are read, and refused for their type.
    const atBound = await post(`{"query": ${JSON.stringify(ORGANIZATIONS)}, "variables": ${variablesOfDepth(MAX_INPUT_DEPTH)}}`, { 'content-type': 'application/json' });
    expect(codeOf(await atBound.json())).toBe('BAD_USER_INPUT');
  });

  it('refuses deep variables in one operation of a batch, by GET, and deep extensions', async () => {
    const deep = JSON.parse(variablesOfDepth(2_000));
    const batch = await postJson([{ query: TRENDING }, { query: ORGANIZATIONS, variables: deep }]);
    expect(batch.status).toBe(400);
    expect(codeOf(await batch.json())).toBe('INPUT_TOO_DEEP');

    const byGet = await get({ query: ORGANIZATIONS, variables: variablesOfDepth(1_000) });
    expect(byGet.status).toBe(400);
    expect(codeOf(await byGet.json())).toBe('INPUT_TOO_DEEP');

    const extensions = await postJson({ query: TRENDING, extensions: { persistedQuery: JSON.parse(nested(1_000, '{"a":', '1', '}')) } });
    expect(extensions.status).toBe(400);
    expect((await extensions.json()).errors[0].message).toContain('"extensions"');
  });

  it('refuses a list literal nested 2,000 deep, and an input object 1,000 deep, in the document', async () => {
    // The filter object is the first level: with MAX_INPUT_DEPTH lists in it, one too many.
    for (const literal of [nested(2_000, '[', `"${SECRET}"`, ']'), nested(MAX_INPUT_DEPTH, '[', `"${SECRET}"`, ']'), nested(1_000, '{ hasCode: ', 'true', ' }')]) {
      for (const accept of ['application/json', 'application/graphql-response+json']) {
        const response = await postJson({ query: `{ papers(first: 1, filter: { organizations: ${literal} }) { totalCount } }` }, { accept });
        expect(response.status).toBe(400);
        const text = await response.text();
        expect(text).not.toContain(SECRET);
        expect(codeOf(JSON.parse(text))).toBe('INPUT_TOO_DEEP');
      }
    }
    // At the bound the literal is validated, and refused for its type.
    const atBound = await postJson({ query: `{ papers(first: 1, filter: { organizations: ${nested(MAX_INPUT_DEPTH - 1, '[', '"x"', ']')} }) { totalCount } }` });
    expect(codeOf(await atBound.json())).toBe('BAD_USER_INPUT');
  });
});

describe('dates are strict', () => {
  const asOf = async (value: string) => (await postJson({ query: 'query($t: DateTime) { trendingPapers(window: DAY, asOf: $t, first: 1) { asOf } }', variables: { t: value } })).json();

  it.each(['2026-02-31T12:00:00Z', '2026-02-29T12:00:00Z', '2026-06-30T24:00:00Z', '2026-06-30T18:60:00Z', '2026-06-30T18:00Z', '2026-06-30T18:00:00+24:00', '2026-06-30'])(
    'refuses the DateTime %s with BAD_USER_INPUT',
    async (value) => {
      const body = await asOf(value);
      expect(body.data).toBeUndefined();
      expect(codeOf(body)).toBe('BAD_USER_INPUT');
      expect(body.errors[0].message).toContain('real calendar day');
    },
  );

  it('refuses an impossible DateTime written in the document too', async () => {
    const body = await (await postJson({ query: '{ trendingPapers(asOf: "2026-02-31T12:00:00Z", first: 1) { asOf } }' })).json();
    expect(codeOf(body)).toBe('BAD_USER_INPUT');
  });

  it('reads a DateTime with an offset or a fraction as the instant it names', async () => {
    expect((await asOf('2024-02-29T20:00:00+02:00')).data.trendingPapers.asOf).toBe('2024-02-29T18:00:00.000Z');
    expect((await asOf('2026-06-30T18:00:00.123456-01:30')).data.trendingPapers.asOf).toBe('2026-06-30T19:30:00.123Z');
  });

  it('says which specification Date and DateTime follow', async () => {
    const body = await (await postJson({ query: '{ date: __type(name: "Date") { specifiedByURL } dateTime: __type(name: "DateTime") { specifiedByURL } }' })).json();
    expect(body.data.date.specifiedByURL).toMatch(/^https:\/\/www\.rfc-editor\.org\/rfc\/rfc3339/u);
    expect(body.data.dateTime.specifiedByURL).toBe('https://scalars.graphql.org/andimarek/date-time');
  });

  it.each([
    ['WEEK', '0000-01-01'],
    ['DAY', '0999-12-31'],
    ['WEEK', '1000-01-01'], // its ISO week starts in 999
    ['WEEK', '9999-12-31'], // its ISO week ends in 10000
  ])('refuses a %s digest of %s with BAD_USER_INPUT naming the date', async (period, date) => {
    const body = await (await postJson({ query: `{ digest(period: ${period}, date: "${date}") { startDate } }` })).json();
    expect(body.data.digest).toBeNull();
    expect(codeOf(body)).toBe('BAD_USER_INPUT');
    expect(body.errors[0].extensions.argument).toBe('date');
    expect(body.errors[0].message).toContain('1000 to 9999');
  });

  it.each([
    ['DAY', '1000-01-01', '1000-01-01'],
    ['MONTH', '9999-12-31', '9999-12-01'],
  ])('gives the %s digest of %s at the edges of the years allowed', async (period, date, startDate) => {
    const body = await (await postJson({ query: `{ digest(period: ${period}, date: "${date}") { startDate } }` })).json();
    expect(body.errors).toBeUndefined();
    expect(body.data.digest.startDate).toBe(startDate);
  });
});
