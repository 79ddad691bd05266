// Repeated anonymous reads answered before GraphQL runs: a shared HTTP cache
// (RFC 9111) in the server process, in front of Yoga, as a CDN or a reverse
// proxy's micro-cache would be. It keeps the 200 responses that the API marks
// `Cache-Control: public, max-age=N` (caching.ts), keyed by everything they
// depend on (method, URL, body, Accept, Origin, Content-Type), for N seconds
// at most and only while the data version is the one they were computed on:
// after any write, nothing stored before it is served. A hit costs a map
// lookup and a write to the socket: no Fetch API objects, no parsing, no SQL.
//
// Hits are still rate-limited, counted and logged, carry their own request id
// and RateLimit headers, say `Cache-Status: …; hit` and `Age`, and answer
// If-None-Match with 304. What the cache does not handle goes to Yoga as it came.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { Database } from '../db/index.ts';
import { dataVersion } from './caching.ts';
import { isRateLimited, nodeClientAddress, type RateLimiter } from './limits.ts';
import type { Observability, OperationSeen } from './observability.ts';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.ts';

/** The name this cache gives itself in Cache-Status (RFC 9211). */
const CACHE_NAME = 'paper-catalogue';
export const GRAPHQL_PATH = '/graphql';
const HIT = `${CACHE_NAME}; hit`;
/** Bodies longer than this are not cached (queries are far shorter); they go to Yoga unread. */
export const MAX_CACHED_BODY = 16 * 1024;

/** Headers of a stored response that belong to the request that stored it, not to every answer. */
export const PER_RESPONSE = new Set([
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  REQUEST_ID_HEADER,
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'ratelimit-policy',
  'retry-after',
  'cache-status',
  'age',
]);
/** What a 304 repeats of the 200 it stands for (RFC 9110 §15.4.5). */
const NOT_MODIFIED_HEADERS = new Set(['etag', 'cache-control', 'vary', 'last-modified', 'expires', 'content-location']);

interface Entry {
  version: string;
  storedAt: number;
  expires: number;
  /**
   * The stored response's own headers, for a 200 (with its length) and for a
   * 304, as node:http's raw lists: name, value, name, value… A hit adds its own
   * to a copy of the list; merging them into an object instead (spreading the
   * stored headers) costs V8 about 4 µs, a twentieth of a whole hit.
   */
  headers: string[];
  notModifiedHeaders: string[];
  etag: string | null;
  /** Text, not bytes: node:http then writes headers and body in one piece, not two. */
  body: string;
  /** Of the body, in bytes. */
  length: number;
  operations: OperationSeen[];
}

interface Pending {
  key: string;
  version: string;
}

export interface SharedCacheOptions {
  database: Database;
  limiter: RateLimiter;
  trustProxy: boolean;
  observability: Pick<Observability, 'served' | 'operationsOf'>;
  maxEntries?: number;
  maxBytes?: number;
  now?: () => number;
}

export interface SharedCache {
  /** Last of Yoga's plugins: stores the cacheable responses of the requests the listener passed on. */
  plugin: Plugin;
  /** The node:http listener: answers hits, hands everything else to `next` (Yoga). */
  listener(next: RequestListener): RequestListener;
}

const header = (req: IncomingMessage, name: string): string => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
};

/** max-age of a response a shared cache may keep, or 0. */
function sharedMaxAge(cacheControl: string | null): number {
  if (!cacheControl || !/(?:^|,)\s*public\s*(?:,|$)/iu.test(cacheControl) || /no-store|no-cache|private/iu.test(cacheControl)) return 0;
  const age = /(?:^|,)\s*(?:s-maxage|max-age)=(\d+)/iu.exec(cacheControl);
  return age ? Number(age[1]) : 0;
}

/** Whether If-None-Match names this ETag (weak comparison, RFC 9110 §13.1.2). */
function matches(ifNoneMatch: string, etag: string | null): boolean {
  if (etag === null || ifNoneMatch === '') return false;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = (tag: string) => tag.trim().replace(/^W\//u, '');
  return ifNoneMatch.split(',').some((tag) => bare(tag) === bare(etag));
}

export function sharedCache({
  database,
  limiter,
  trustProxy,
  observability,
  maxEntries = 1_000,
  maxBytes = 64 * 2 ** 20,
  now = Date.now,
}: SharedCacheOptions): SharedCache {
  const entries = new Map<string, Entry>();
  let bytes = 0;
  const pending = new WeakMap<IncomingMessage, Pending>();

  const drop = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.length;
  };

  const store = (key: string, entry: Entry) => {
    drop(key);
    entries.set(key, entry);
    bytes += entry.length;
    // Map order is insertion order, and a hit re-inserts: the least recently used go first.
    while (entries.size > maxEntries || bytes > maxBytes) drop(entries.keys().next().value!);
  };

  /** A hit: the stored answer, as Yoga would have given it, with this request's own headers. */
  function answer(req: IncomingMessage, res: ServerResponse, entry: Entry, rateHeaders: Record<string, string>, started: number): void {
    const id = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    const notModified = matches(header(req, 'if-none-match'), entry.etag);
    const status = notModified ? 304 : 200;
    const headers = (notModified ? entry.notModifiedHeaders : entry.headers).slice();
    for (const name in rateHeaders) headers.push(name, rateHeaders[name]!);
    headers.push(REQUEST_ID_HEADER, id, 'age', String(Math.max(0, Math.floor((now() - entry.storedAt) / 1000))), 'cache-status', HIT);
    res.writeHead(status, headers);
    res.end(notModified ? undefined : entry.body);
    observability.served({ id, cached: true, method: req.method!, path: GRAPHQL_PATH, status, started, operations: entry.operations });
  }

  function lookup(req: IncomingMessage, res: ServerResponse, next: RequestListener, body: Buffer | null, started: number): void {
    const key = [req.method, req.url, header(req, 'accept'), header(req, 'origin'), header(req, 'content-type'), body?.toString('utf8') ?? ''].join('\n');
    let version: string;
    try {
      version = dataVersion(database);
    } catch {
      return next(req, res); // Yoga answers, and says what is wrong
    }
    const entry = entries.get(key);
    if (entry && entry.version === version && entry.expires > now()) {
      const decision = isRateLimited(req.method!, GRAPHQL_PATH) ? limiter.take(nodeClientAddress(req, trustProxy)) : null;
      // Refused: Yoga answers 429 (the bucket is still empty when it asks).
      if (decision === null || decision.allowed) {
        entries.delete(key);
        entries.set(key, entry);
        return answer(req, res, entry, decision?.headers ?? {}, started);
      }
    }
    // Read already: whatwg-node takes a body it finds on the request instead of the stream.
    if (body !== null) (req as IncomingMessage & { body?: Buffer }).body = body;
    pending.set(req, { key, version });
    next(req, res);
  }

  return {
    listener(next) {
      return (req, res) => {
        const started = performance.now();
        const path = req.url?.split('?', 1)[0];
        const anonymous = req.headers.authorization === undefined && req.headers.cookie === undefined;
        if (path !== GRAPHQL_PATH || !anonymous) return next(req, res);
        if (req.method === 'GET') return lookup(req, res, next, null, started);
        const length = Number(req.headers['content-length']);
        // A body of a known, small length is read for the key; any other goes to Yoga unread.
        if (req.method !== 'POST' || !(length > 0 && length <= MAX_CACHED_BODY)) return next(req, res);
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.once('error', () => {}); // the client went away: there is no one to answer
        req.once('end', () => lookup(req, res, next, Buffer.concat(chunks), started));
      };
    },

    plugin: {
      onResponse({ request, response, serverContext }) {
        const req = (serverContext as { req?: IncomingMessage } | undefined)?.req;
        const waiting = req && pending.get(req);
        if (!waiting) return;
        pending.delete(req);
        const maxAge = response.status === 200 ? sharedMaxAge(response.headers.get('cache-control')) : 0;
        const json = /^application\/(?:graphql-response\+)?json\b/u.test(response.headers.get('content-type') ?? '');
        // A response that sets a cookie belongs to one client (RFC 9111 §7.3): never shared.
        if (maxAge === 0 || !json || response.headers.has('set-cookie')) {
          response.headers.set('cache-status', `${CACHE_NAME}; fwd=uri-miss; detail=not-cacheable`);
          return;
        }
        response.headers.set('cache-status', `${CACHE_NAME}; fwd=uri-miss; stored`);
        const headers: string[] = [];
        const notModifiedHeaders: string[] = [];
        response.headers.forEach((value, name) => {
          const lower = name.toLowerCase();
          if (!PER_RESPONSE.has(lower)) headers.push(lower, value);
          // CORS headers too: a browser checks them on the 304 of a cross-origin request.
          if (NOT_MODIFIED_HEADERS.has(lower) || lower.startsWith('access-control-')) notModifiedHeaders.push(lower, value);
        });
        const operations = observability.operationsOf(request);
        const storedAt = now();
        return response
          .clone()
          .text()
          .then((body) => {
            const length = Buffer.byteLength(body);
            store(waiting.key, {
              version: waiting.version,
              storedAt,
              expires: storedAt + maxAge * 1000,
              headers: [...headers, 'content-length', String(length)],
              notModifiedHeaders,
              etag: response.headers.get('etag'),
              body,
              length,
              operations,
            });
          });
      },
    },
  };
}
