// A daily-papers API on 127.0.0.1 for the tests: it replays the recorded
// responses of test/fixtures/upstream (real days of the public API), an empty
// list for any other day (a weekend), with ETags and If-None-Match, upvotes
// that grow with each round, faults injected per day, and pages (p, limit:
// 50 unless asked, at most 100) as the public API gives them.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export const FIXTURES = new URL('./fixtures/upstream/', import.meta.url);

export type Fault = '429' | '500' | 'slow' | 'truncated' | 'html' | 'hang-up';

/** The recorded items of a fixture day. */
export function fixtureItems(day: string): unknown[] {
  return JSON.parse(gunzipSync(readFileSync(new URL(`${day}.json.gz`, FIXTURES))).toString('utf8')) as unknown[];
}

export const FIXTURE_DAYS = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json.gz'))
  .map((name) => name.slice(0, 10))
  .sort();

export interface TestUpstream {
  url: string;
  /** Each round adds (index + 1) × round upvotes to every item: what a later fetch sees. */
  round: number;
  /** Faults to answer the next requests for a day with, in order (then the real answer). */
  faults: Map<string, Fault[]>;
  /** Items to serve instead of the recorded ones, by day. */
  override: Map<string, unknown[]>;
  /** Every request: its day, page, and headers. */
  requests: { day: string; p: number; headers: IncomingMessage['headers']; answered: number | Fault }[];
  /** Called when a request for a day arrives, before it is answered. */
  onRequest: (day: string) => void | Promise<void>;
  /** How long a "slow" answer takes. */
  slowMs: number;
  /** False: every request gets the whole day, whatever its p and limit (as a server that does not page). */
  paging: boolean;
  /** The body served for a day in the current round (what an uninterrupted sync imports), or one page of it. */
  body(day: string, page?: { p: number; limit: number }): string;
  close(): Promise<void>;
}

export async function startUpstream(): Promise<TestUpstream> {
  const upstream: TestUpstream = {
    url: '',
    round: 0,
    faults: new Map(),
    override: new Map(),
    requests: [],
    onRequest: () => {},
    slowMs: 2_000,
    paging: true,
    body(day, page) {
      const items = upstream.override.get(day) ?? (FIXTURE_DAYS.includes(day) ? fixtureItems(day) : []);
      const grown = items.map((item, i) => {
        const copy = structuredClone(item) as { paper: { upvotes?: number } };
        copy.paper.upvotes = (copy.paper.upvotes ?? 0) + upstream.round * (i + 1);
        return copy;
      });
      return JSON.stringify(page ? grown.slice(page.p * page.limit, (page.p + 1) * page.limit) : grown);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const day = url.searchParams.get('date') ?? '';
    if (url.pathname !== '/api/daily_papers' || !/^\d{4}-\d{2}-\d{2}$/u.test(day)) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not Found"}');
      return;
    }
    const [p, limit] = [Number(url.searchParams.get('p') ?? 0), Number(url.searchParams.get('limit') ?? 50)];
    if (!(Number.isInteger(p) && p >= 0 && Number.isInteger(limit) && limit >= 1 && limit <= 100)) {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad p or limit"}');
      return;
    }
    void (async () => {
      await upstream.onRequest(day);
      const fault = upstream.faults.get(day)?.shift();
      const body = upstream.body(day, upstream.paging ? { p, limit } : undefined);
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
      upstream.requests.push({ day, p, headers: req.headers, answered: fault ?? (req.headers['if-none-match'] === etag ? 304 : 200) });
      switch (fault) {
        case '429':
          res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' }).end('{"error":"rate limited"}');
          return;
        case '500':
          res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error');
          return;
        case 'slow':
          res.writeHead(200, { 'content-type': 'application/json', etag });
          res.write(body.slice(0, 10));
          setTimeout(() => res.end(body.slice(10)), upstream.slowMs).unref();
          return;
        case 'truncated':
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body.slice(0, Math.floor(body.length / 2)));
          return;
        case 'html':
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><html><head><title>503 Service Unavailable</title></head><body>Down for maintenance</body></html>');
          return;
        case 'hang-up':
          req.socket.destroy();
          return;
      }
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', etag }).end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return upstream;
}
