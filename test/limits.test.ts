// Ready for the public internet: every limit tried and refused, caching and
// CORS, through the whole server.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { client, scratchFolder } from './helpers.ts';
import { mailCatalogue, type MailCatalogue } from './mail-catalogue.ts';

type Env = Record<string, string>;

/** The catalogue every app of this file reads, on the engine of the run (on PostgreSQL, copied once, before the tests). */
const catalogue = client();

/** An app of its own (caches, rate limits) over the file's catalogue, configured by `env`. */
function app(env: Env = {}) {
  const options = { config: loadConfig({ RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent', ...env }) };
  const yoga = catalogue.appWith(options);
  const post = async (body: unknown, headers: Record<string, string> = {}) =>
    yoga.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const query = async (q: string, variables?: unknown) => (await post({ query: q, variables })).json() as Promise<any>;
  return { yoga, database: catalogue.database, post, query, statements: (run: () => Promise<unknown>) => catalogue.statements(run) };
}

const codeOf = (result: any) => result.errors?.[0]?.extensions?.code;

describe('query limits', () => {
  const api = app();

  it('refuses 101 aliases', async () => {
    const aliases = Array.from({ length: 101 }, (_, i) => `a${i}: paper(arxivId: "2310.05869") { title }`).join('\n');
    const result = await api.query(`{ ${aliases} }`);
    expect(codeOf(result)).toBe('TOO_MANY_ALIASES');
    expect(result.errors[0].message).toMatch(/alias/iu);
  });

  it('refuses depth 20', async () => {
    let selection = 'name';
    for (let i = 0; i < 9; i++) selection = `papers(first: 1) { nodes { authors { ${selection} } } }`;
    const result = await api.query(`{ authors(query: "yann", first: 1) { nodes { ${selection} } } }`);
    expect(codeOf(result)).toBe('QUERY_TOO_DEEP');
  });

  it('refuses first: 100 nested four deep before running it, and counts variables', async () => {
    const deep = `query($n: Int) { organizations(first: $n) { nodes { papers(first: $n) { nodes { authors {
      papers(first: $n) { nodes { organization { papers(first: $n) { nodes { title } } } } } } } } } } }`;
    let result: any;
    const statements = await api.statements(async () => (result = await api.query(deep, { n: 100 })));
    expect(codeOf(result)).toBe('QUERY_TOO_COSTLY');
    // A paper's authors count as many as the paper with the most authors has.
    const authors = api.database.sqlite.prepare('SELECT max(n) AS n FROM (SELECT count(*) AS n FROM paper_authors GROUP BY paper_id)').get() as { n: number };
    const a = authors.n;
    expect(result.errors[0].extensions).toMatchObject({ requestedNodes: 100 + 100 ** 2 + 100 ** 2 * a + 100 ** 3 * a + 100 ** 4 * a, maxNodes: 100_000 });
    expect(statements).toBe(0);
    // The same shape with small pages is fine.
    expect((await api.query(deep, { n: 2 })).errors).toBeUndefined();
    // 100 organizations with 100 papers each: 10,100 nodes.
    expect((await api.query('{ organizations(first: 100) { nodes { papers(first: 100) { nodes { arxivId } } } } }')).errors).toBeUndefined();
  });

  it('refuses too many directives and too many tokens', async () => {
    const directives = Array.from({ length: 21 }, () => '@include(if: true)').join(' ');
    expect(codeOf(await api.query(`{ paper(arxivId: "2310.05869") { title ${directives} } }`))).toBe('TOO_MANY_DIRECTIVES');
    const fields = Array.from({ length: 6000 }, () => 'title').join(' ');
    expect(codeOf(await api.query(`{ paper(arxivId: "2310.05869") { ${fields} } }`))).toBe('QUERY_TOO_LONG');
  });

  it('suggests field names in development only', async () => {
    const typo = '{ paper(arxivId: "2310.05869") { titel } }';
    expect((await api.query(typo)).errors[0].message).toContain('Did you mean');
    const production = app({ NODE_ENV: 'production' });
    const result = await production.query(typo);
    expect(result.errors[0].message).not.toContain('Did you mean');
    expect(result.errors[0].message).toContain('titel');
  });

  it('limits batched requests to 10 operations', async () => {
    const one = { query: '{ paper(arxivId: "2310.05869") { title } }' };
    const ten = await api.post(Array(10).fill(one));
    expect(ten.status).toBe(200);
    expect(await ten.json()).toHaveLength(10);
    const twenty = await api.post(Array(20).fill(one));
    expect(twenty.status).toBe(413);
    expect(JSON.stringify(await twenty.json())).toMatch(/Batching is limited to 10 operations/u);
  });
});

describe('HTTP limits', () => {
  it('answers a 2 MB body with 413 before parsing it, with or without a length', async () => {
    const api = app();
    const big = JSON.stringify({ query: `{ paper(arxivId: "2310.05869") { title } } #${'x'.repeat(2_000_000)}` });
    const declared = await api.yoga.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(big.length) }, body: big });
    expect(declared.status).toBe(413);
    expect(codeOf(await declared.json())).toBe('PAYLOAD_TOO_LARGE');
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode(big.slice(i * 100_000, (i + 1) * 100_000)));
        controller.close();
      },
    });
    const chunked = await api.yoga.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: chunks, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
    const small = await api.post({ query: '{ paper(arxivId: "2310.05869") { title } }' });
    expect(small.status).toBe(200);
  });

  it('rate-limits a burst per client with 429, Retry-After and RateLimit headers', async () => {
    const api = app({ RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '5', TRUST_PROXY: 'true' });
    const from = (ip: string) => api.post({ query: '{ paper(arxivId: "2310.05869") { title } }' }, { 'x-forwarded-for': ip });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 8; i++) {
      last = await from('203.0.113.7');
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    expect(last!.headers.get('retry-after')).toBe('1');
    expect(last!.headers.get('ratelimit-limit')).toBe('5');
    expect(last!.headers.get('ratelimit-remaining')).toBe('0');
    expect(codeOf(await last!.json())).toBe('RATE_LIMITED');
    const other = await from('198.51.100.1');
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-remaining')).toBe('4');
    expect((await api.yoga.fetch('http://test/health')).status).toBe(200);
  });

  it('cuts off an execution that takes longer than the limit with 503', async () => {
    const api = app({ REQUEST_TIMEOUT_MS: '1', RESPONSE_CACHE_TTL_MS: '0' });
    const response = await api.post({ query: '{ trendingPapers(window: ALL, first: 100) { nodes { title authors { name } } } }' });
    expect(response.status).toBe(503);
    expect(codeOf(await response.json())).toBe('REQUEST_TIMEOUT');
  });
});

describe('caching', () => {
  const q = '{ trendingPapers(first: 3) { nodes { arxivId upvotes } } }';

  it('answers GET queries, refuses mutations over GET', async () => {
    const api = app();
    const get = await api.yoga.fetch(`http://test/graphql?query=${encodeURIComponent(q)}`, { headers: { accept: 'application/json' } });
    expect(get.status).toBe(200);
    expect((await get.json()).data.trendingPapers.nodes).toHaveLength(3);
    const mutation = 'mutation { confirmDigestSubscription(token: "x") { ok } }';
    const refused = await api.yoga.fetch(`http://test/graphql?query=${encodeURIComponent(mutation)}`, { headers: { accept: 'application/json' } });
    expect(refused.status).toBe(405);
  });

  it('gives ETag and Cache-Control, 304 on If-None-Match, and serves repeats from memory', async () => {
    const api = app();
    const url = `http://test/graphql?query=${encodeURIComponent(q)}`;
    const first = await api.yoga.fetch(url, { headers: { accept: 'application/json' } });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/u);
    expect(first.headers.get('cache-control')).toBe('public, max-age=60');
    const body = await first.json();

    let again: any;
    expect(await api.statements(async () => (again = await (await api.yoga.fetch(url, { headers: { accept: 'application/json' } })).json()))).toBe(0);
    expect(again).toEqual(body);
    const notModified = await api.yoga.fetch(url, { headers: { accept: 'application/json', 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
  });

  const imports = client(undefined, { config: loadConfig({ RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent' }) });
  it('drops the cache after an import', async () => {
    const yoga = imports.app;
    const url = `http://test/graphql?query=${encodeURIComponent(q)}`;
    const etag = (await yoga.fetch(url, { headers: { accept: 'application/json' } })).headers.get('etag')!;
    expect((await yoga.fetch(url, { headers: { accept: 'application/json', 'if-none-match': etag } })).status).toBe(304);
    // An import that changes the trending list: a new paper, listed on the latest day, with many upvotes.
    const file = path.join(scratchFolder(), '2026-06-30.json');
    writeFileSync(file, JSON.stringify([{ paper: { id: '2606.99999', title: 'A very popular paper', summary: 'About everything.', publishedAt: '2026-06-29T00:00:00Z', upvotes: 999, authors: [{ name: 'Ada Example' }] } }]));
    await imports.importFiles([file]);
    // On PostgreSQL the import's notice reaches the server's listener a moment after the commit.
    const fresh = await vi.waitFor(async () => {
      const response = await yoga.fetch(url, { headers: { accept: 'application/json', 'if-none-match': etag } });
      expect(response.status).toBe(200);
      return response;
    });
    expect(fresh.headers.get('etag')).not.toBe(etag);
    expect((await fresh.json()).data.trendingPapers.nodes[0]).toEqual({ arxivId: '2606.99999', upvotes: 999 });
  });

  it('does not cache errors or mutations', async () => {
    const api = app();
    const bad = await api.post({ query: '{ papers(first: 0) { totalCount } }' });
    expect(bad.headers.get('etag')).toBeNull();
    expect(bad.headers.get('cache-control')).toBe('no-store');
    const mutation = await api.post({ query: 'mutation { confirmDigestSubscription(token: "x") { ok } }' });
    expect(mutation.headers.get('cache-control')).toBe('no-store');
  });

  it('runs persisted operations: a hash alone once the server knows it (APQ)', async () => {
    const api = app();
    const sha256Hash = createHash('sha256').update(q).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    expect(codeOf(await (await api.post({ extensions })).json())).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await (await api.post({ query: q, extensions })).json()).data.trendingPapers.nodes).toHaveLength(3);
    expect((await (await api.post({ extensions })).json()).data.trendingPapers.nodes).toHaveLength(3);
    const get = await api.yoga.fetch(`http://test/graphql?extensions=${encodeURIComponent(JSON.stringify(extensions))}`, { headers: { accept: 'application/json' } });
    expect((await get.json()).data.trendingPapers.nodes).toHaveLength(3);
    const wrong = { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } };
    expect(codeOf(await (await api.post({ query: q, extensions: wrong })).json())).toBe('PERSISTED_QUERY_HASH_MISMATCH');
  });

  it('runs only allowed operations in allow-list mode', async () => {
    const file = path.join(scratchFolder(), 'allowed.json');
    const sha256Hash = createHash('sha256').update(q).digest('hex');
    writeFileSync(file, JSON.stringify({ [sha256Hash]: q }));
    const api = app({ PERSISTED_OPERATIONS: 'allowlist', PERSISTED_OPERATIONS_FILE: file });
    expect((await (await api.post({ extensions: { persistedQuery: { version: 1, sha256Hash } } })).json()).data.trendingPapers.nodes).toHaveLength(3);
    expect(codeOf(await api.query(q))).toBe('PERSISTED_QUERY_REQUIRED');
    expect(codeOf(await (await api.post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } })).json())).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('CORS', () => {
  it('allows any origin by default, and only the listed ones when configured', async () => {
    const preflight = (api: ReturnType<typeof app>, origin: string) =>
      api.yoga.fetch('http://test/graphql', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const open = await preflight(app(), 'https://someone.example');
    expect(['*', 'https://someone.example']).toContain(open.headers.get('access-control-allow-origin'));
    const listed = app({ CORS_ORIGINS: 'https://papers.example.org, https://lab.example.com' });
    expect((await preflight(listed, 'https://lab.example.com')).headers.get('access-control-allow-origin')).toBe('https://lab.example.com');
    expect((await preflight(listed, 'https://evil.example')).headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
  });
});

describe('slow clients', () => {
  // A server's catalogue of its own, on the engine of the run.
  let own: MailCatalogue;
  beforeAll(async () => void (own = await mailCatalogue()));
  afterAll(async () => own?.drop());

  it('are cut off with 408 once REQUEST_TIMEOUT_MS has passed without the whole request', async () => {
    const { startServer } = await import('../src/server.ts');
    const server = await startServer(loadConfig({ ...own.env, PORT: '0', SEEDS: 'off', LOG_LEVEL: 'silent', REQUEST_TIMEOUT_MS: '500' }));
    try {
      const { port } = new URL(server.url);
      const { connect } = await import('node:net');
      const started = Date.now();
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          // Headers announce a body that never comes.
          socket.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":');
        });
        let received = '';
        socket.on('data', (chunk) => (received += chunk));
        socket.on('close', () => resolve(received));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408/u);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await server.close();
    }
  });
});
