// What operators rely on: request ids in responses and logs, one log line per
// request, /ready, /metrics, and a graceful stop of the real server (a child
// process) on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { configureLogging, log } from '../src/log.ts';
import { createApp, type App } from '../src/yoga.ts';
import { scratchFolder, seededCatalogue } from './helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MIGRATIONS = (JSON.parse(readFileSync(path.join(ROOT, 'drizzle/meta/_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;
const WELL_FORMED_ID = /^[A-Za-z0-9._-]{1,128}$/u;

/** The log lines written since the last beforeEach, parsed. */
let logged: Record<string, any>[] = [];
beforeAll(() => configureLogging('info', { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, any>) }));
beforeEach(() => void (logged = []));
afterAll(() => configureLogging('info'));

const appWithLogs = (database = seededCatalogue()): App => createApp(database, { config: loadConfig({ RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'info' }) });

const post = (app: App, body: unknown, headers: Record<string, string> = {}) =>
  app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify(body) });

describe('request id', () => {
  const app = appWithLogs();

  it('is generated when the request has none, and well-formed', async () => {
    const first = (await app.fetch('http://test/health')).headers.get('x-request-id');
    const second = (await app.fetch('http://test/health')).headers.get('x-request-id');
    expect(first).toMatch(WELL_FORMED_ID);
    expect(second).toMatch(WELL_FORMED_ID);
    expect(first).not.toBe(second);
  });

  it('echoes a well-formed incoming X-Request-Id', async () => {
    const id = `Edge-1.trace_${'x'.repeat(100)}`;
    const response = await post(app, { query: '{ __typename }' }, { 'x-request-id': id });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe(id);
  });

  it.each(['has space', 'a/b', 'x'.repeat(129), 'ünïcode', '<script>'])('replaces a malformed one (%s)', async (bad) => {
    const response = await app.fetch('http://test/health', { headers: { 'x-request-id': bad } });
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(WELL_FORMED_ID);
    expect(id).not.toBe(bad);
  });

  it('is on the log lines of its request, the unexpected error of its execution included', async () => {
    const database = seededCatalogue();
    const broken = appWithLogs(database);
    database.close();
    const response = await post(broken, { query: 'query Count { papers(first: 1) { totalCount } }' });
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(WELL_FORMED_ID);
    const error = logged.find((line) => line.message === 'unexpected error in a request');
    expect(error).toMatchObject({ level: 'error', requestId: id, error: { message: expect.stringContaining('database connection is not open') } });
    expect(error!.error.stack).toContain('TypeError');
    expect(logged.filter((line) => line.requestId === id).map((line) => line.message)).toEqual(['unexpected error in a request', 'request']);
    // Lines outside a request have no id.
    log.info('between requests');
    expect(logged.at(-1)).not.toHaveProperty('requestId');
  });
});

describe('request log', () => {
  const app = appWithLogs();

  it('has one line per request with method, path, status, duration, operation and id, and never the body or variables', async () => {
    const email = 'someone.private@example.org';
    const response = await post(
      app,
      {
        query: 'mutation Subscribe($input: SubscribeToDigestInput!) { subscribeToDigest(input: $input) { ok } }',
        variables: { input: { email, period: 'WEEK' } },
      },
      { 'x-request-id': 'req-42' },
    );
    expect(((await response.json()) as { data: unknown }).data).toEqual({ subscribeToDigest: { ok: true } });
    const query = encodeURIComponent('query Q { __typename }');
    const variables = encodeURIComponent(JSON.stringify({ email }));
    expect((await app.fetch(`http://test/graphql?query=${query}&variables=${variables}`, { headers: { accept: 'application/json' } })).status).toBe(200);
    await app.fetch('http://test/no/such/page');
    const requests = logged.filter((line) => line.message === 'request');
    expect(requests).toEqual([
      expect.objectContaining({ level: 'info', method: 'POST', path: '/graphql', status: 200, operation: 'Subscribe', requestId: 'req-42', ms: expect.any(Number) }),
      expect.objectContaining({ method: 'GET', path: '/graphql', status: 200, operation: 'Q' }),
      expect.objectContaining({ method: 'GET', path: '/no/such/page', status: 404 }),
    ]);
    expect(requests[2]).not.toHaveProperty('operation');
    expect(requests[0]!.ms).toBeGreaterThan(0);
    expect(JSON.stringify(logged)).not.toContain(email);
    expect(JSON.stringify(logged)).not.toContain('someone.private');
  });

  it('serializes errors with message, stack and cause', () => {
    log.error('failed', { error: new Error('outer', { cause: Object.assign(new Error('inner'), { code: 'E_INNER' }) }) });
    expect(logged.at(-1)).toMatchObject({
      level: 'error',
      message: 'failed',
      error: { type: 'Error', message: 'outer', stack: expect.stringContaining('Error: outer'), cause: { message: 'inner', code: 'E_INNER', stack: expect.stringContaining('Error: inner') } },
    });
  });

  it('serializes a cause set as a field of the error, as drizzle sets a failed query\'s', () => {
    const failed = Object.assign(new Error('Failed query: SELECT 1'), { query: 'SELECT 1', cause: new Error('Cannot use a pool after calling end on the pool') });
    log.error('failed', { error: failed });
    expect(logged.at(-1)).toMatchObject({ error: { message: 'Failed query: SELECT 1', query: 'SELECT 1', cause: { type: 'Error', message: 'Cannot use a pool after calling end on the pool' } } });
  });

  it('follows the app level: an app configured silent logs no request lines', async () => {
    const quiet = createApp(seededCatalogue(), { config: loadConfig({ RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent' }) });
    await quiet.fetch('http://test/health');
    expect(logged).toEqual([]);
  });
});

describe('/ready', () => {
  it('is 200 on a migrated database', async () => {
    const response = await appWithLogs().fetch('http://test/ready');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', migrations: MIGRATIONS, pid: process.pid });
  });

  it('is 503 when the database is closed', async () => {
    const database = seededCatalogue();
    const app = appWithLogs(database);
    database.close();
    const response = await app.fetch('http://test/ready');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'not ready', reason: 'database closed' });
  });

  it('is 503 when a migration is missing', async () => {
    const database = seededCatalogue();
    database.sqlite.exec('DELETE FROM __drizzle_migrations WHERE rowid = (SELECT max(rowid) FROM __drizzle_migrations)');
    const response = await appWithLogs(database).fetch('http://test/ready');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'not ready', reason: `database has ${MIGRATIONS - 1} of ${MIGRATIONS} migrations` });
  });

  it('answers GET and HEAD only', async () => {
    expect((await appWithLogs().fetch('http://test/ready', { method: 'POST' })).status).toBe(405);
  });
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, as samples. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/u.exec(line);
    if (!match) throw new Error(`not a sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/gu)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(app: App) {
  const response = await app.fetch('http://test/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/u);
  const samples = parseMetrics(await response.text());
  /** The value of the sample with exactly these labels (0 when absent). */
  const value = (name: string, labels: Record<string, string> = {}) =>
    samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()))?.value ?? 0;
  return { samples, value };
}

describe('/metrics', () => {
  it('counts requests and operations, and times operations, per app', async () => {
    const app = appWithLogs();
    const before = await scrape(app);
    expect(before.samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(before.samples.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);

    expect((await post(app, { query: 'query TopPaper { papers(first: 1) { totalCount } }' })).status).toBe(200);
    expect((await post(app, { query: 'query TopPaper { papers(first: 1) { totalCount } }' })).status).toBe(200);
    await post(app, { query: 'query Broken { papers(first: 0) { totalCount } }' });
    expect((await post(app, { query: '{ papers(first' }, { accept: 'application/graphql-response+json' })).status).toBe(400);
    await app.fetch('http://test/nowhere');

    const after = await scrape(app);
    const graphql = { method: 'POST', route: '/graphql', status: '200' };
    expect(after.value('http_requests_total', graphql) - before.value('http_requests_total', graphql)).toBe(3);
    expect(after.value('http_requests_total', { method: 'POST', route: '/graphql', status: '400' })).toBe(1);
    expect(after.value('http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(after.value('http_requests_total', { method: 'GET', route: '/metrics', status: '200' })).toBe(1);
    expect(after.value('graphql_operations_total', { operation_name: 'TopPaper', operation_type: 'query' })).toBe(2);
    expect(after.value('graphql_errors_total', { operation_name: 'TopPaper', operation_type: 'query' })).toBe(0);
    expect(after.value('graphql_operations_total', { operation_name: 'Broken', operation_type: 'query' })).toBe(1);
    expect(after.value('graphql_errors_total', { operation_name: 'Broken', operation_type: 'query' })).toBe(1);
    expect(after.value('graphql_errors_total', { operation_name: 'anonymous', operation_type: 'unknown' })).toBe(1);

    const timed = { operation_name: 'TopPaper' };
    expect(after.value('graphql_operation_duration_seconds_count', timed)).toBe(2);
    expect(after.value('graphql_operation_duration_seconds_bucket', { ...timed, le: '+Inf' })).toBe(2);
    expect(after.value('graphql_operation_duration_seconds_sum', timed)).toBeGreaterThan(0);
    expect(after.value('graphql_operation_duration_seconds_sum', timed)).toBeLessThan(10);
    const buckets = after.samples.filter((s) => s.name === 'graphql_operation_duration_seconds_bucket' && s.labels.operation_name === 'TopPaper').map((s) => s.value);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));

    // Another app has its own registry.
    expect((await scrape(appWithLogs())).value('graphql_operations_total', { operation_name: 'TopPaper', operation_type: 'query' })).toBe(0);
  });

  it('caps the operation names a client can create', async () => {
    const app = appWithLogs();
    for (let i = 0; i < 210; i++) expect((await post(app, { query: `query Name${i} { __typename }` })).status).toBe(200);
    await post(app, { query: `query ${'Long'.repeat(20)} { __typename }` });
    const { samples, value } = await scrape(app);
    const names = new Set(samples.filter((s) => s.name === 'graphql_operations_total').map((s) => s.labels.operation_name));
    expect(names.size).toBeLessThanOrEqual(201);
    expect(names.has('Name0')).toBe(true);
    expect(names.has('Name209')).toBe(false);
    expect(value('graphql_operations_total', { operation_name: 'other', operation_type: 'query' })).toBe(11);
  });
});

// ── The real server, in a child process ─────────────────────────────────────

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * `node --import tsx src/main.ts serve`: what `npx tsx src/main.ts serve` runs,
 * without npx in between, which does not pass SIGTERM on (and exits with its
 * own status), so that the signal and the exit status are the server's own.
 */
async function startChild(env: Record<string, string>) {
  const port = await freePort();
  const database = seededCatalogue();
  const databasePath = database.sqlite.name;
  database.close();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_PATH: databasePath, HOST: '127.0.0.1', PORT: String(port), SEEDS: 'off', LOG_LEVEL: 'info', OUTBOX_DIR: path.join(scratchFolder(), 'outbox'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.on('exit', (code) => {
      children.delete(child);
      resolve({ code, at: Date.now() });
    }),
  );
  const until = (done: () => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (done()) resolve();
        else if (child.exitCode !== null) reject(new Error(`server exited (${child.exitCode}) before ${what}:\n${stderr}`));
        else setTimeout(check, 10);
      };
      check();
    });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  await until(() => stdout.includes('GraphQL API at'), 'listening');
  const lines = () =>
    stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);
  return {
    port,
    exited,
    lines,
    /** Resolves once the server has logged a line with this message. */
    logged: (message: string) => until(() => lines().some((line) => line.message === message), `logging "${message}"`),
    terminate: () => {
      child.kill('SIGTERM');
      return Date.now();
    },
  };
}

/** A raw HTTP/1.1 connection, to send a request slowly and see when the server closes it. */
async function connect(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let received = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => {}); // a reset is an outcome the tests look at, through `closed`
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  return {
    socket,
    closed,
    received: () => received,
    /** Waits for one whole response with a Content-Length, and clears it. */
    async response(): Promise<string> {
      for (;;) {
        const end = received.indexOf('\r\n\r\n');
        const length = Number(/content-length: (\d+)/iu.exec(received)?.[1] ?? 0);
        if (end >= 0 && received.length >= end + 4 + length) {
          const whole = received.slice(0, end + 4 + length);
          received = received.slice(whole.length);
          return whole;
        }
        if (socket.destroyed) throw new Error(`connection closed; received: ${received}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

const refused = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve('connected')));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });

const slowRequestHead = (body: string) =>
  `POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nAccept: application/json\r\nX-Request-Id: in-flight\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;

describe('graceful shutdown of the real server', () => {
  it('on SIGTERM refuses new connections, finishes the request in flight, drops idle keep-alive connections, and exits 0', async () => {
    const GRACE = 10_000;
    const server = await startChild({ SHUTDOWN_GRACE_MS: String(GRACE) });

    // A keep-alive connection, idle after its request.
    const idle = await connect(server.port);
    idle.socket.write('GET /ready HTTP/1.1\r\nHost: test\r\n\r\n');
    const ready = await idle.response();
    expect(ready).toMatch(/^HTTP\/1\.1 200/u);
    expect(ready).toContain(`{"status":"ready","migrations":${MIGRATIONS},"pid":`);

    // A request whose body is still arriving when SIGTERM comes.
    const body = JSON.stringify({ query: 'query InFlight { paper(arxivId: "2310.05869") { title } }' });
    const inFlight = await connect(server.port);
    inFlight.socket.write(slowRequestHead(body) + body.slice(0, 20));
    await new Promise((r) => setTimeout(r, 300));

    const signalled = server.terminate();
    await server.logged('stopping');
    await new Promise((r) => setTimeout(r, 100));
    expect(await refused(server.port)).toBe('ECONNREFUSED');
    // The idle connection is closed at once, not after the keep-alive timeout.
    expect((await idle.closed) - signalled).toBeLessThan(1000);

    await new Promise((r) => setTimeout(r, 200));
    inFlight.socket.write(body.slice(20));
    const response = await inFlight.response();
    expect(response).toMatch(/^HTTP\/1\.1 200/u);
    expect(response).toMatch(/^connection: close\r$/imu);
    expect(response).toMatch(/^x-request-id: in-flight\r$/imu);
    expect(response).toContain('HyperAttention: Long-context Attention in Near-Linear Time');
    await inFlight.closed;

    const { code, at } = await server.exited;
    expect(code).toBe(0);
    expect(at - signalled).toBeLessThan(3000);
    expect(server.lines()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ message: 'stopping', signal: 'SIGTERM' }),
        expect.objectContaining({ message: 'request', method: 'POST', path: '/graphql', status: 200, operation: 'InFlight', requestId: 'in-flight' }),
        expect.objectContaining({ message: 'stopped' }),
      ]),
    );
    expect(server.lines().map((line) => line.message)).not.toContain('shutdown grace time over: closing the connections still open');
  });

  it('cuts a request that never finishes once the grace time is over, and still exits 0', async () => {
    const GRACE = 500;
    const server = await startChild({ SHUTDOWN_GRACE_MS: String(GRACE) });
    const body = JSON.stringify({ query: '{ papers(first: 1) { totalCount } }' });
    const never = await connect(server.port);
    never.socket.write(slowRequestHead(body) + body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 300));

    const signalled = server.terminate();
    const { code, at } = await server.exited;
    expect(code).toBe(0);
    expect(at - signalled).toBeGreaterThanOrEqual(GRACE - 50);
    expect(at - signalled).toBeLessThan(GRACE + 1500);
    expect(await never.closed).toBeLessThanOrEqual(at + 100);
    expect(never.received()).toBe('');
    expect(server.lines()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'warn', message: 'shutdown grace time over: closing the connections still open', connections: 1, requests: 1 }),
        expect.objectContaining({ message: 'stopped' }),
      ]),
    );
  });
});
