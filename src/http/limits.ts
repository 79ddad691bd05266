// HTTP limits: request bodies over the limit get 413 before they are parsed,
// each client IP has a token bucket (429 with Retry-After and RateLimit
// headers when it is empty), and an execution over the time limit is cut off
// with 503.
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { IncomingMessage, RequestListener } from 'node:http';
import { deadlineAfter, REQUEST_TIMEOUT, type Deadline } from '../graphql/deadline.ts';
import type { Config } from '../config.ts';

const UNLIMITED_PATHS = new Set(['/health', '/ready', '/metrics']);

const errorBody = (code: string, message: string): string => JSON.stringify({ errors: [{ message, extensions: { code } }] });
const tooLarge = (maxBytes: number) => `Request body is larger than ${maxBytes} bytes.`;

function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(errorBody(code, message), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** Reads at most `max` bytes of a body; null when it is longer. */
async function fitsIn(request: Request, max: number): Promise<boolean> {
  if (!request.body) return true;
  const reader = request.clone().body!.getReader();
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return true;
    length += value.byteLength;
    if (length > max) {
      await reader.cancel();
      return false;
    }
  }
}

export function bodySizeLimit(maxBytes: number): Plugin {
  const refuse = () => errorResponse(413, 'PAYLOAD_TOO_LARGE', tooLarge(maxBytes));
  return {
    async onRequest({ request, endResponse }) {
      if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return;
      const declared = Number(request.headers.get('content-length'));
      if (declared > maxBytes) return endResponse(refuse());
      // No length given (chunked): count what arrives, up to the limit.
      if (!request.headers.has('content-length') && !(await fitsIn(request, maxBytes))) endResponse(refuse());
    },
  };
}

/**
 * The body limit on the node:http side, for a body sent without a length
 * (chunked): it is read here, up to `maxBytes`, and handed on in one piece
 * (whatwg-node then takes it instead of the stream), or refused with 413 as
 * soon as it is over, and the connection closed so that the rest need not be
 * read. Bodies of a declared length are left to bodySizeLimit.
 */
export function limitUnsizedBodies(
  maxBytes: number,
  next: RequestListener,
  refused: (req: IncomingMessage, status: number, started: number) => void,
): RequestListener {
  return (req, res) => {
    if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] === undefined) return next(req, res);
    const started = performance.now();
    const chunks: Buffer[] = [];
    let length = 0;
    let over = false;
    req.once('error', () => {}); // the client went away: there is no one to answer
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      length += chunk.length;
      if (length <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      over = true;
      const body = errorBody('PAYLOAD_TOO_LARGE', tooLarge(maxBytes));
      res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
      res.end(body, () => req.destroy());
      refused(req, 413, started);
    });
    req.once('end', () => {
      if (over) return;
      (req as IncomingMessage & { body?: Buffer }).body = Buffer.concat(chunks);
      next(req, res);
    });
  };
}

interface Bucket {
  tokens: number;
  at: number;
}

/** The client's address: the socket's, or the first X-Forwarded-For entry behind a trusted proxy. */
export function clientAddress(request: Request, serverContext: unknown, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  const req = (serverContext as { req?: IncomingMessage } | undefined)?.req;
  return req?.socket?.remoteAddress ?? 'unknown';
}

/** What a client's bucket says about a charge: its RateLimit headers, and whether it may go on. */
export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
  /** Points left in the bucket after this charge. */
  remaining: number;
  /** Seconds until the bucket is full again (refused: until the charge would fit). */
  resetSeconds: number;
}

export interface RateLimiter {
  /**
   * Takes `points` from the client's bucket if it holds that many (a refused
   * charge takes nothing); null when rate limiting is off.
   */
  take(client: string, points?: number): RateDecision | null;
  /** What the bucket holds now, taking nothing; null when rate limiting is off. */
  peek(client: string): RateDecision | null;
  /**
   * Takes `points` whatever the bucket holds, for work already done (a feed's
   * entries, known once it is answered): the bucket may go below zero, and the
   * client's next requests wait until it has refilled. Null when off.
   */
  charge(client: string, points: number): RateDecision | null;
}

/**
 * A token bucket per client address, in points: `rateBurst` at once, refilled
 * at `ratePerMinute`. A GraphQL operation costs the points of its requested
 * nodes (src/http/admission.ts), any other request one point, as GitHub and
 * Shopify charge their GraphQL APIs.
 */
export function createRateLimiter({ ratePerMinute, rateBurst }: Pick<Config['limits'], 'ratePerMinute' | 'rateBurst'>, now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, Bucket>();
  const perMs = ratePerMinute / 60_000;
  const policy = { 'RateLimit-Policy': `${rateBurst};w=${Math.ceil(rateBurst / perMs / 1000)}`, 'RateLimit-Limit': String(rateBurst) };

  const bucketOf = (client: string): Bucket => {
    const t = now();
    const bucket = buckets.get(client) ?? { tokens: rateBurst, at: t };
    bucket.tokens = Math.min(rateBurst, bucket.tokens + (t - bucket.at) * perMs);
    bucket.at = t;
    // Map order is insertion order: re-insert so the oldest clients are dropped first.
    buckets.delete(client);
    buckets.set(client, bucket);
    if (buckets.size > 100_000) buckets.delete(buckets.keys().next().value!);
    return bucket;
  };

  const decide = (bucket: Bucket, points: number, owed = false): RateDecision => {
    if (bucket.tokens < points && !owed) {
      const wait = Math.max(1, Math.ceil((points - bucket.tokens) / perMs / 1000));
      const remaining = Math.max(0, Math.floor(bucket.tokens));
      return { allowed: false, remaining, resetSeconds: wait, headers: { ...policy, 'RateLimit-Remaining': String(remaining), 'RateLimit-Reset': String(wait), 'Retry-After': String(wait) } };
    }
    bucket.tokens -= points;
    const remaining = Math.max(0, Math.floor(bucket.tokens));
    const reset = Math.ceil((rateBurst - bucket.tokens) / perMs / 1000);
    return { allowed: true, remaining, resetSeconds: reset, headers: { ...policy, 'RateLimit-Remaining': String(remaining), 'RateLimit-Reset': String(reset) } };
  };

  return {
    take: (client, points = 1) => (ratePerMinute === 0 ? null : decide(bucketOf(client), points)),
    // A request with less than one point left is refused before it is read.
    peek: (client) => {
      if (ratePerMinute === 0) return null;
      const bucket = bucketOf(client);
      const decision = decide(bucket, 1);
      if (decision.allowed) bucket.tokens += 1;
      return { ...decision, remaining: Math.max(0, Math.floor(bucket.tokens)) };
    },
    charge: (client, points) => (ratePerMinute === 0 ? null : decide(bucketOf(client), points, true)),
  };
}

/** Paths and methods that are never rate-limited. */
export const isRateLimited = (method: string, path: string): boolean => method !== 'OPTIONS' && !UNLIMITED_PATHS.has(path);

/** The refusal of a client over its budget, in the words of every path that refuses it. */
export function rateLimitedError({ ratePerMinute, rateBurst }: Pick<Config['limits'], 'ratePerMinute' | 'rateBurst'>, decision: RateDecision, points = 1): GraphQLError {
  const wait = decision.headers['Retry-After'];
  const message = `Too many requests: ${ratePerMinute} points per minute are allowed, in bursts of ${rateBurst}; this needs ${points} and ${decision.remaining} are left. Retry after ${wait} s.`;
  return new GraphQLError(message, { extensions: { code: 'RATE_LIMITED', http: { status: 429, headers: decision.headers } } });
}

/** The client's bucket as a request left it: set by rateLimit, charged again by the admission of each operation. */
export interface RateState {
  client: string;
  decision: RateDecision;
}

// On the request, not in a WeakMap keyed by it (test/memory.test.ts).
const RATE_STATE = Symbol('rate state');
type RateLimited = Request & { [RATE_STATE]?: RateState };

export const rateStateOf = (request: Request): RateState | undefined => (request as RateLimited)[RATE_STATE];

/**
 * The header in which a response other than GraphQL's states what it cost in
 * points, when that is more than the one point it was charged to be read (a
 * feed: its entries and their authors, as a GraphQL page of them counts).
 */
export const COST_HEADER = 'Request-Cost';

/**
 * Every rate-limited request needs a point left in its client's bucket. A
 * GraphQL request is charged by the admission of its operations (its cost in
 * points); any other request is charged one point here, and the rest of its
 * COST_HEADER once answered.
 */
export function rateLimit(limiter: RateLimiter, limits: Config['limits']): Plugin {
  return {
    onRequest({ request, url, serverContext, endResponse }) {
      if (!isRateLimited(request.method, url.pathname)) return;
      const client = clientAddress(request, serverContext, limits.trustProxy);
      const decision = url.pathname === GRAPHQL_PATH ? limiter.peek(client) : limiter.take(client);
      if (decision === null) return;
      if (!decision.allowed) {
        const error = rateLimitedError(limits, decision);
        endResponse(errorResponse(429, 'RATE_LIMITED', error.message, decision.headers));
        return;
      }
      (request as RateLimited)[RATE_STATE] = { client, decision };
    },
    onResponse({ request, response }) {
      const state = rateStateOf(request);
      if (!state) return;
      const points = Number(response.headers.get(COST_HEADER) ?? 1);
      if (points > 1) state.decision = limiter.charge(state.client, points - 1)!;
      for (const [name, value] of Object.entries(state.decision.headers)) response.headers.set(name, value);
    },
  };
}

export const GRAPHQL_PATH = '/graphql';

/**
 * Cuts off an execution that has run longer than `ms`: its next resolver that
 * computes something throws (src/graphql/deadline.ts), and the answer is a
 * 503 with code REQUEST_TIMEOUT. (SQL statements are synchronous: a request
 * is stopped between them.)
 */
export function executionTimeout(ms: number): Plugin {
  return {
    onExecute({ args }) {
      (args.contextValue as { deadline?: Deadline }).deadline = deadlineAfter(ms);
      return {
        onExecuteDone({ result, setResult }) {
          const timeout = (result as ExecutionResult).errors?.find((e) => e.extensions?.code === REQUEST_TIMEOUT);
          // Partial data of a request cut off is no answer: return the error alone.
          if (timeout) setResult({ errors: [timeout] });
        },
      };
    },
  };
}

/** A batched request whose items are not all objects is refused before any plugin reads them. */
export function wellFormedParams(): Plugin {
  return {
    onRequestParse: () => ({
      onRequestParseDone({ requestParserResult }) {
        const items = Array.isArray(requestParserResult) ? requestParserResult : [requestParserResult];
        if (items.some((params) => typeof params !== 'object' || params === null || Array.isArray(params))) {
          throw new GraphQLError('Each operation of a request must be a JSON object.', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
        }
      },
    }),
  };
}
