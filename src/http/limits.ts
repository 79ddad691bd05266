// HTTP limits: request bodies over the limit get 413 before they are parsed,
// each client IP has a token bucket (429 with Retry-After and RateLimit
// headers when it is empty), and an execution over the time limit is cut off
// with 503.
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { IncomingMessage, RequestListener } from 'node:http';
import { REQUEST_TIMEOUT, type Deadline } from '../graphql/deadline.ts';
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

/** The address of a request as node:http received it (for answers given before Yoga sees the request). */
export function nodeClientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const forwarded = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  return req.socket?.remoteAddress ?? 'unknown';
}

/** What a client's bucket says about one more request: its RateLimit headers, and whether it may go on. */
export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

export interface RateLimiter {
  /** Takes a token from the client's bucket if it has one; null when rate limiting is off. */
  take(client: string): RateDecision | null;
}

/** A token bucket per client address: `rateBurst` requests at once, refilled at `ratePerMinute`. */
export function createRateLimiter({ ratePerMinute, rateBurst }: Pick<Config['limits'], 'ratePerMinute' | 'rateBurst'>, now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, Bucket>();
  const perMs = ratePerMinute / 60_000;
  return {
    take(client) {
      if (ratePerMinute === 0) return null;
      const t = now();
      const bucket = buckets.get(client) ?? { tokens: rateBurst, at: t };
      bucket.tokens = Math.min(rateBurst, bucket.tokens + (t - bucket.at) * perMs);
      bucket.at = t;
      // Map order is insertion order: re-insert so the oldest clients are dropped first.
      buckets.delete(client);
      buckets.set(client, bucket);
      if (buckets.size > 100_000) buckets.delete(buckets.keys().next().value!);
      const headers = {
        'RateLimit-Policy': `${rateBurst};w=${Math.ceil(rateBurst / perMs / 1000)}`,
        'RateLimit-Limit': String(rateBurst),
      };
      if (bucket.tokens < 1) {
        const wait = String(Math.ceil((1 - bucket.tokens) / perMs / 1000));
        return { allowed: false, headers: { ...headers, 'RateLimit-Remaining': '0', 'RateLimit-Reset': wait, 'Retry-After': wait } };
      }
      bucket.tokens -= 1;
      const reset = String(Math.ceil((rateBurst - bucket.tokens) / perMs / 1000));
      return { allowed: true, headers: { ...headers, 'RateLimit-Remaining': String(Math.floor(bucket.tokens)), 'RateLimit-Reset': reset } };
    },
  };
}

/** Paths and methods that are never rate-limited. */
export const isRateLimited = (method: string, path: string): boolean => method !== 'OPTIONS' && !UNLIMITED_PATHS.has(path);

/**
 * What a request was given before Yoga saw it (src/http/prepared-operations.ts
 * starts some, then hands them over): Yoga goes on with the same, so that such
 * a request takes one token and has one time limit.
 */
export interface GivenBeforeYoga {
  decision?: RateDecision;
  deadline?: Deadline;
}

// On the request, not in a WeakMap keyed by it (test/memory.test.ts).
const GIVEN = Symbol('given before Yoga');
type Given = IncomingMessage & { [GIVEN]?: GivenBeforeYoga };

export const givenBeforeYoga = (req: IncomingMessage): GivenBeforeYoga => ((req as Given)[GIVEN] ??= {});
const givenTo = (context: unknown): GivenBeforeYoga | undefined => (context as { req?: Given } | undefined)?.req?.[GIVEN];

export function rateLimit(limiter: RateLimiter, { ratePerMinute, rateBurst, trustProxy }: Config['limits']): Plugin {
  return {
    onRequest({ request, url, serverContext, endResponse }) {
      if (!isRateLimited(request.method, url.pathname)) return;
      const decision = givenTo(serverContext)?.decision ?? limiter.take(clientAddress(request, serverContext, trustProxy));
      if (decision === null) return;
      if (!decision.allowed) {
        const wait = decision.headers['Retry-After'];
        const message = `Too many requests: ${ratePerMinute} per minute are allowed, in bursts of ${rateBurst}. Retry after ${wait} s.`;
        endResponse(errorResponse(429, 'RATE_LIMITED', message, decision.headers));
        return;
      }
      (request as RateLimited)[RATE_HEADERS] = decision.headers;
    },
    onResponse({ request, response }) {
      for (const [name, value] of Object.entries((request as RateLimited)[RATE_HEADERS] ?? {})) response.headers.set(name, value);
    },
  };
}

// On the request, not in a WeakMap keyed by it (test/memory.test.ts).
const RATE_HEADERS = Symbol('rate headers');
type RateLimited = Request & { [RATE_HEADERS]?: Record<string, string> };

/**
 * Cuts off an execution that has run longer than `ms`: its next resolver that
 * computes something throws (src/graphql/deadline.ts), and the answer is a
 * 503 with code REQUEST_TIMEOUT. (SQL statements are synchronous: a request
 * is stopped between them.)
 */
export function executionTimeout(ms: number): Plugin {
  return {
    onExecute({ args }) {
      (args.contextValue as { deadline?: Deadline }).deadline = givenTo(args.contextValue)?.deadline ?? { at: Date.now() + ms, ms };
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
