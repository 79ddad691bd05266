// HTTP limits: request bodies over the limit get 413 before they are parsed,
// each client IP has a token bucket (429 with Retry-After and RateLimit
// headers when it is empty), and an execution over the time limit is cut off
// with 503.
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import type { Database } from '../db/index.ts';
import type { Config } from '../config.ts';

const UNLIMITED_PATHS = new Set(['/health', '/ready', '/metrics']);

function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
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
  const refuse = () => errorResponse(413, 'PAYLOAD_TOO_LARGE', `Request body is larger than ${maxBytes} bytes.`);
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

export function rateLimit({ ratePerMinute, rateBurst, trustProxy }: Config['limits'], now: () => number = Date.now): Plugin {
  const buckets = new Map<string, Bucket>();
  const perMs = ratePerMinute / 60_000;
  return {
    onRequest({ request, url, serverContext, endResponse }) {
      if (ratePerMinute === 0 || UNLIMITED_PATHS.has(url.pathname) || request.method === 'OPTIONS') return;
      const key = clientAddress(request, serverContext, trustProxy);
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: rateBurst, at: t };
      bucket.tokens = Math.min(rateBurst, bucket.tokens + (t - bucket.at) * perMs);
      bucket.at = t;
      // Map order is insertion order: re-insert so the oldest clients are dropped first.
      buckets.delete(key);
      buckets.set(key, bucket);
      if (buckets.size > 100_000) buckets.delete(buckets.keys().next().value!);
      const headers = {
        'RateLimit-Policy': `${rateBurst};w=${Math.ceil(rateBurst / perMs / 1000)}`,
        'RateLimit-Limit': String(rateBurst),
      };
      if (bucket.tokens < 1) {
        const wait = Math.ceil((1 - bucket.tokens) / perMs / 1000);
        endResponse(
          errorResponse(429, 'RATE_LIMITED', `Too many requests: ${ratePerMinute} per minute are allowed, in bursts of ${rateBurst}. Retry after ${wait} s.`, {
            ...headers,
            'RateLimit-Remaining': '0',
            'RateLimit-Reset': String(wait),
            'Retry-After': String(wait),
          }),
        );
        return;
      }
      bucket.tokens -= 1;
      const remaining = Math.floor(bucket.tokens);
      rateHeaders.set(request, { ...headers, 'RateLimit-Remaining': String(remaining), 'RateLimit-Reset': String(Math.ceil((rateBurst - bucket.tokens) / perMs / 1000)) });
    },
    onResponse({ request, response }) {
      for (const [name, value] of Object.entries(rateHeaders.get(request) ?? {})) response.headers.set(name, value);
    },
  };
}

const rateHeaders = new WeakMap<Request, Record<string, string>>();

const deadlines = new AsyncLocalStorage<number>();

/**
 * Cuts off an execution that has run longer than `ms`: its next SQL statement
 * throws, and the answer is a 503 with code REQUEST_TIMEOUT. (Statements are
 * synchronous, so this is where a request can be stopped.)
 */
export function executionTimeout(ms: number, database: Database): Plugin {
  database.beforeStatement = () => {
    const deadline = deadlines.getStore();
    if (deadline !== undefined && Date.now() > deadline) {
      throw new GraphQLError(`Request took longer than ${ms} ms and was cut off.`, { extensions: { code: 'REQUEST_TIMEOUT', http: { status: 503 } } });
    }
  };
  return {
    onExecute() {
      // The execution that follows, and everything it awaits, sees this deadline.
      deadlines.enterWith(Date.now() + ms);
      return {
        onExecuteDone({ result, setResult }) {
          const timeout = (result as ExecutionResult).errors?.find((e) => e.extensions?.code === 'REQUEST_TIMEOUT');
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
