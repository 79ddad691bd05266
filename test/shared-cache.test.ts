// The shared cache of repeated reads (src/http/shared-cache.ts), in front of
// Yoga on a real port: what it answers from memory, what it keys by, what it
// never keeps, and that hits are still rate-limited, counted and logged.
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCatalogue } from '../src/catalogue/index.ts';
import { loadConfig } from '../src/config.ts';
import { importFiles } from '../src/ingest/importer.ts';
import { configureLogging } from '../src/log.ts';
import { startServer, type Running } from '../src/server.ts';
import { scratchFolder, seededCatalogue } from './helpers.ts';

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** The server on the seeded catalogue, on 127.0.0.1 and a free port; returns it and its file. */
async function serve(env: Record<string, string> = {}) {
  const seeded = seededCatalogue();
  const file = seeded.sqlite.name;
  seeded.close();
  const server = await startServer(
    loadConfig({ DATABASE_PATH: file, HOST: '127.0.0.1', PORT: '0', SEEDS: 'off', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0', ...env }),
  );
  running.push(server);
  return { server, file, url: server.url };
}

const TRENDING = '{ trendingPapers(first: 3) { nodes { arxivId upvotes } } }';
const PAPER = 'query Paper($id: String!) { paper(arxivId: $id) { arxivId title } }';

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify(body) });

async function read(response: Response) {
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('shared cache of repeated reads', () => {
  it('answers a repeated read from memory: same body and ETag, its own request id, Age and Cache-Status; 304 for If-None-Match', async () => {
    const { url } = await serve();
    const first = await read(await post(url, { query: TRENDING }));
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-status')).toBe('paper-catalogue; fwd=uri-miss; stored');
    expect(JSON.parse(first.text).data.trendingPapers.nodes).toHaveLength(3);

    const again = await read(await post(url, { query: TRENDING }, { 'x-request-id': 'client-chosen-id' }));
    expect(again.status).toBe(200);
    expect(again.headers.get('cache-status')).toBe('paper-catalogue; hit');
    expect(again.text).toBe(first.text);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(again.headers.get('cache-control')).toBe('public, max-age=60');
    expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(Number(again.headers.get('age'))).toBeGreaterThanOrEqual(0);
    expect(again.headers.get('x-request-id')).toBe('client-chosen-id');
    // Every other header of the stored answer comes back as it was, and no other.
    const ownHeaders = new Set(['date', 'x-request-id', 'cache-status', 'age']);
    const stored = (headers: Headers) => [...headers].filter(([name]) => !ownHeaders.has(name));
    expect(stored(again.headers)).toEqual(stored(first.headers));
    expect(stored(first.headers).map(([name]) => name)).toEqual(expect.arrayContaining(['content-type', 'content-length', 'etag', 'last-modified']));
    const third = await post(url, { query: TRENDING });
    expect(third.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/u);
    expect(third.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));

    const notModified = await post(url, { query: TRENDING }, { 'if-none-match': `W/${first.headers.get('etag')}` });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await notModified.text()).toBe('');

    // GET requests too, keyed by their URL.
    const get = `${url}?query=${encodeURIComponent(TRENDING)}`;
    const getFirst = await read(await fetch(get, { headers: { accept: 'application/json' } }));
    const getAgain = await read(await fetch(get, { headers: { accept: 'application/json' } }));
    expect(getFirst.headers.get('cache-status')).toContain('stored');
    expect(getAgain.headers.get('cache-status')).toBe('paper-catalogue; hit');
    expect(getAgain.text).toBe(getFirst.text);
  });

  it('keys by body, Accept and Origin: each answer is the one its own request gets', async () => {
    const { url } = await serve({ CORS_ORIGINS: 'https://a.example, https://b.example' });
    const paper = async (id: string, headers: Record<string, string> = {}) => read(await post(url, { query: PAPER, variables: { id } }, headers));
    const hyper = await paper('2310.05869');
    const other = await paper('2509.21043');
    expect(other.headers.get('cache-status')).toContain('stored');
    expect(JSON.parse(hyper.text).data.paper.arxivId).toBe('2310.05869');
    expect(JSON.parse(other.text).data.paper.arxivId).toBe('2509.21043');
    expect(JSON.parse((await paper('2509.21043')).text).data.paper.arxivId).toBe('2509.21043');

    const fromA = await paper('2310.05869', { origin: 'https://a.example' });
    const fromB = await paper('2310.05869', { origin: 'https://b.example' });
    expect(fromB.headers.get('cache-status')).toContain('stored');
    expect((await paper('2310.05869', { origin: 'https://a.example' })).headers.get('access-control-allow-origin')).toBe('https://a.example');
    const hitB = await paper('2310.05869', { origin: 'https://b.example' });
    expect(hitB.headers.get('cache-status')).toBe('paper-catalogue; hit');
    expect(hitB.headers.get('access-control-allow-origin')).toBe('https://b.example');
    expect(fromA.text).toBe(hyper.text);

    const graphqlResponse = await paper('2310.05869', { accept: 'application/graphql-response+json' });
    expect(graphqlResponse.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/u);
    expect(graphqlResponse.headers.get('cache-status')).toContain('stored');
  });

  it('serves nothing stored before a write, made here or by another process', async () => {
    const { url, file } = await serve();
    const before = await read(await post(url, { query: TRENDING }));
    expect((await post(url, { query: TRENDING })).headers.get('cache-status')).toBe('paper-catalogue; hit');

    // An import through another connection, as `npm run ingest` would do: a paper that tops the list.
    const ingest = path.join(scratchFolder(), '2026-06-30.json');
    writeFileSync(
      ingest,
      JSON.stringify([
        { paper: { id: '2606.99999', title: 'A very popular paper', summary: 'About everything.', publishedAt: '2026-06-29T00:00:00Z', upvotes: 999, authors: [{ name: 'Ada Example' }] } },
      ]),
    );
    const other = openCatalogue(file);
    try {
      expect(importFiles(other, [ingest])?.papersAdded).toBe(1);
    } finally {
      other.close();
    }
    const after = await read(await post(url, { query: TRENDING }));
    expect(after.headers.get('cache-status')).toContain('fwd=uri-miss');
    expect(JSON.parse(after.text).data.trendingPapers.nodes[0]).toEqual({ arxivId: '2606.99999', upvotes: 999 });
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    expect((await post(url, { query: TRENDING })).headers.get('cache-status')).toBe('paper-catalogue; hit');

    // A write by this server (a subscription, through the outbox) moves the version as well.
    const subscribe = await read(await post(url, { query: 'mutation { subscribeToDigest(input: { email: "reader@example.org", period: WEEK }) { ok } }' }));
    expect(JSON.parse(subscribe.text)).toEqual({ data: { subscribeToDigest: { ok: true } } });
    expect(subscribe.headers.get('cache-status')).toContain('not-cacheable');
    expect((await post(url, { query: TRENDING })).headers.get('cache-status')).toContain('fwd=uri-miss');
  });

  it('keeps no errors, no mutations and nothing asked with credentials; a body of unknown length goes to the API as it came', async () => {
    const { url } = await serve();
    for (let i = 0; i < 2; i++) {
      const bad = await post(url, { query: '{ papers(first: 0) { totalCount } }' });
      expect(bad.headers.get('cache-status')).toContain('not-cacheable');
      expect((await bad.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
      const withCredentials = await post(url, { query: TRENDING }, { authorization: 'Bearer something' });
      expect(withCredentials.headers.get('cache-status')).toBeNull();
      expect((await withCredentials.json()).data.trendingPapers.nodes).toHaveLength(3);
    }

    // Chunked: no Content-Length, so the cache does not key it; it is read whole (up to the limit) and answered.
    const { port } = new URL(url);
    const chunked = await new Promise<{ status: number; body: string; cacheStatus: unknown }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body, cacheStatus: res.headers['cache-status'] }));
      });
      req.on('error', reject);
      const text = JSON.stringify({ query: TRENDING });
      req.write(text.slice(0, 10));
      req.end(text.slice(10));
    });
    expect(chunked.status, chunked.body).toBe(200);
    expect(chunked.cacheStatus).toBeUndefined();
    expect(JSON.parse(chunked.body).data.trendingPapers.nodes).toHaveLength(3);

    // Over the body limit, with a length or without: 413.
    const big = await post(url, { query: TRENDING, padding: 'x'.repeat(2_000_000) });
    expect(big.status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(50_000)));
        controller.close();
      },
    });
    const bigChunked = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    expect(bigChunked.status).toBe(413);
    expect((await bigChunked.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('rate-limits hits like any request, with their RateLimit headers, and counts them in /metrics', async () => {
    const { url } = await serve({ RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '3' });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await post(url, { query: TRENDING }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers[1]!.headers.get('cache-status')).toBe('paper-catalogue; hit');
    expect(answers.slice(0, 3).map((a) => a.headers.get('ratelimit-remaining'))).toEqual(['2', '1', '0']);
    expect(Number(answers[3]!.headers.get('retry-after'))).toBeGreaterThan(0);

    const metrics = await (await fetch(url.replace('/graphql', '/metrics'))).text();
    const count = (status: string) =>
      Number(new RegExp(`^http_requests_total\\{method="POST",route="/graphql",status="${status}"\\} (\\d+)$`, 'mu').exec(metrics)?.[1] ?? 0);
    expect(count('200')).toBe(3);
    expect(count('429')).toBe(1);
    expect(metrics).toMatch(/^graphql_operations_total\{operation_name="anonymous",operation_type="query"\} 3$/mu);
  });

  it('logs a hit as it logs any request: one line, with its own request id, marked as a hit', async () => {
    const { url } = await serve({ LOG_LEVEL: 'info' });
    const lines: Record<string, unknown>[] = [];
    configureLogging('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const read = { query: PAPER, variables: { id: '2310.05869' }, operationName: 'Paper' };
    try {
      for (const id of ['first-read', 'second-read']) expect((await post(url, read, { 'x-request-id': id })).status).toBe(200);
    } finally {
      configureLogging('silent');
    }
    const line = { message: 'request', level: 'info', method: 'POST', path: '/graphql', status: 200, operation: 'Paper' };
    expect(lines.filter((l) => l.message === 'request')).toEqual([
      { ...line, time: expect.any(String), ms: expect.any(Number), requestId: 'first-read' },
      { ...line, time: expect.any(String), ms: expect.any(Number), requestId: 'second-read', cache: 'hit' },
    ]);
  });
});

/**
 * `n` identical POSTs that reach the server together: every connection is
 * open before the first request is written, and all are written in one go.
 * Returns each raw HTTP response (status line, headers and body).
 */
async function burst(url: string, body: unknown, n: number): Promise<string[]> {
  const { port } = new URL(url);
  const text = JSON.stringify(body);
  const request = `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
  const sockets = await Promise.all(
    Array.from({ length: n }, () => new Promise<Socket>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => resolve(socket));
      socket.once('error', reject);
    })),
  );
  const answers = sockets.map((socket) => new Promise<string>((resolve) => {
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    socket.once('close', () => resolve(received));
  }));
  for (const socket of sockets) socket.write(request);
  return Promise.all(answers);
}

const cacheStatusOf = (raw: string) => /^cache-status: (.*)$/imu.exec(raw)?.[1]?.trim() ?? null;
const bodyOf = (raw: string) => raw.slice(raw.indexOf('\r\n\r\n') + 4);

describe('shared cache under a burst', () => {
  // A request is answered within one turn of the event loop (SQLite is synchronous, loads
  // are batched on microtasks), so the first of a burst is stored before the next is looked
  // up: the query runs once. If a resolver ever waits for real I/O, this fails, and misses
  // of the same key would then need to wait for the first.
  it('answers identical requests that arrive together from one execution', async () => {
    const { url } = await serve();
    const search = { query: '{ searchPapers(query: "model", first: 20) { totalCount edges { score node { arxivId authors { name } } } } }' };
    const answers = await burst(url, search, 12);
    expect(answers.every((a) => a.startsWith('HTTP/1.1 200'))).toBe(true);
    expect(new Set(answers.map(bodyOf)).size).toBe(1);
    const statuses = answers.map(cacheStatusOf);
    expect(statuses.filter((s) => s === 'paper-catalogue; fwd=uri-miss; stored')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'paper-catalogue; hit')).toHaveLength(11);

    // Not cacheable (an error): each is answered on its own.
    const bad = await burst(url, { query: '{ papers(first: 0) { totalCount } }' }, 4);
    expect(bad.map((a) => JSON.parse(bodyOf(a)).errors[0].extensions.code)).toEqual(Array(4).fill('BAD_USER_INPUT'));
    expect(bad.every((a) => cacheStatusOf(a)!.includes('not-cacheable'))).toBe(true);
  });
});
