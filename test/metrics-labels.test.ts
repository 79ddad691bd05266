// Operation names in /metrics cannot be squatted: names sent once each do not
// push a real, often used one into "other", and the labels stay bounded. And a
// request's log line covers its whole time, body included, on a real port.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { OperationNames } from '../src/http/metrics.ts';
import { configureLogging } from '../src/log.ts';
import { createApp, createRequestListener, type App } from '../src/yoga.ts';
import { scratchFolder, seededCatalogue } from './helpers.ts';

const ENV = { RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent' };

const post = (app: App, query: string) =>
  app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query }) });

/** graphql_operations_total by operation name, from the real /metrics. */
async function operationCounts(app: App): Promise<Map<string, number>> {
  const text = await (await app.fetch('http://test/metrics')).text();
  const counts = new Map<string, number>();
  for (const [, name, value] of text.matchAll(/^graphql_operations_total\{operation_name="([^"]*)",operation_type="[^"]*"\} (\S+)$/gmu)) {
    counts.set(name!, (counts.get(name!) ?? 0) + Number(value));
  }
  return counts;
}

describe('operation name labels', () => {
  it('keep a real name used often through 1,000 junk names sent once each, which share "other"', async () => {
    const app = createApp(seededCatalogue(), { config: loadConfig(ENV) });
    const real = 'query TopPaper { papers(first: 1) { totalCount } }';
    for (let i = 0; i < 20; i++) expect((await post(app, real)).status).toBe(200);
    for (let i = 0; i < 1_000; i++) expect((await post(app, `query Junk${i} { __typename }`)).status).toBe(200);
    expect((await post(app, real)).status).toBe(200);

    const counts = await operationCounts(app);
    expect(counts.get('TopPaper')).toBe(21);
    expect(counts.size).toBeLessThanOrEqual(201);
    // 199 junk names took the free labels; the 801 others are "other".
    expect([...counts.keys()].filter((name) => name.startsWith('Junk'))).toHaveLength(199);
    expect(counts.get('other')).toBe(801);
    const durations = (await (await app.fetch('http://test/metrics')).text()).match(/^graphql_operation_duration_seconds_count\{/gmu);
    expect(durations!.length).toBeLessThanOrEqual(201);
  });

  it('give a real name that comes after the junk a label of its own within a few requests', async () => {
    const app = createApp(seededCatalogue(), { config: loadConfig(ENV) });
    for (let i = 0; i < 1_000; i++) await post(app, `query Junk${i} { __typename }`);
    const late = 'query LatePaper { papers(first: 1) { totalCount } }';
    for (let i = 0; i < 5; i++) expect((await post(app, late)).status).toBe(200);

    const counts = await operationCounts(app);
    // Seen three times when it displaced a junk name (more than twice the least used label's one).
    expect(counts.get('LatePaper')).toBe(3);
    expect(counts.size).toBeLessThanOrEqual(201);
    expect([...counts.keys()].filter((name) => name.startsWith('Junk'))).toHaveLength(199);
  });

  it('always give the operations of the persisted allow-list their own label', async () => {
    const file = path.join(scratchFolder(), 'allowed.json');
    const query = 'query AllowedPaper { papers(first: 1) { totalCount } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    writeFileSync(file, JSON.stringify({ [sha256Hash]: query }));
    const app = createApp(seededCatalogue(), { config: loadConfig({ ...ENV, PERSISTED_OPERATIONS: 'allowlist', PERSISTED_OPERATIONS_FILE: file }) });
    const persisted = await app.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash } } }),
    });
    expect((await persisted.json()).data.papers.totalCount).toBeGreaterThan(0);

    const counts = await operationCounts(app);
    expect(counts.get('AllowedPaper')).toBe(1);
  });
});

describe('OperationNames', () => {
  // (A known name has its label even when the others are all taken, as 'Known' here.)
  it('removes the series of a name it displaces, and keeps malformed names out', () => {
    const displaced: string[] = [];
    const names = new OperationNames(new Set(['Known']), 2, (name) => displaced.push(name));
    expect(names.label('A')).toBe('A');
    expect(names.label('B')).toBe('B');
    expect(names.label('B')).toBe('B');
    expect(names.label('Known')).toBe('Known');
    expect(names.label('C')).toBe('other');
    expect(names.label('C')).toBe('other');
    expect(names.label('C')).toBe('C'); // 3 > 2 × A's 1
    expect(displaced).toEqual(['A']);
    expect(names.label('not a name')).toBe('other');
    expect(names.label('A'.repeat(65))).toBe('other');
  });
});

describe('the request line', () => {
  const lines: Record<string, any>[] = [];
  let server: Server;
  let port: number;
  beforeAll(async () => {
    configureLogging('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, any>) });
    const config = loadConfig({ ...ENV, LOG_LEVEL: 'info' });
    server = createServer(createRequestListener(seededCatalogue(), { config }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    configureLogging('info');
    await new Promise((resolve) => server.close(resolve));
  });

  /** A POST whose body comes in two halves, 300 ms apart; the status and the request line logged for it. */
  async function slowPost(query: string, headers: Record<string, string>): Promise<{ status: number; line: Record<string, any> | undefined }> {
    const body = JSON.stringify({ query });
    const id = `slow-${Math.random().toString(36).slice(2)}`;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id, ...headers } }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode!));
      });
      req.once('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 300);
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { status, line: lines.find((l) => l.message === 'request' && l.requestId === id) };
  }

  // The body's second half comes 300 ms after its headers; the line covers most of that
  // (the server may read the headers a few ms late on a busy machine), not just the execution.
  it('covers a body that comes slowly, with a length or chunked, from when node:http handed the request over', async () => {
    const query = 'query SlowPaper { papers(first: 1) { totalCount } }';
    const sized = await slowPost(query, { 'content-length': String(Buffer.byteLength(JSON.stringify({ query }))) });
    expect(sized.status).toBe(200);
    expect(sized.line?.ms).toBeGreaterThanOrEqual(250);
    expect(sized.line?.operation).toBe('SlowPaper');
    const chunked = await slowPost('query SlowChunked { papers(first: 1) { totalCount } }', {});
    expect(chunked.status).toBe(200);
    expect(chunked.line?.ms).toBeGreaterThanOrEqual(250);
    expect(chunked.line?.operation).toBe('SlowChunked');
  });
});
