// Prepared operations: a read that Yoga has answered once is answered again
// without it, as a prepared statement is run again without being parsed and
// planned. The first time a client POSTs a query, Yoga does everything: it
// parses the body and the document, checks the query limits and validates,
// compiles the query (graphql-jit, src/graphql/compiled.ts), executes it and
// writes the response. If that went through without an error, this module
// keeps what Yoga worked out: the compiled query, the response headers that do
// not depend on the request, and the operation's name for the metrics. The
// same request text again (the same document, operation name, Accept, Origin
// and Content-Type; any variables) is then executed straight from node:http:
// no Fetch API Request or Response, no plugin pipeline, no parse or validation
// cache lookups. That pipeline costs more than the SQL of a lookup (the
// README's Performance section measures it).
//
// What Yoga's plugins do for every request is done here too: the request id,
// the rate limit and its headers, the execution time limit, the request's log
// line and metrics. Everything else goes to Yoga as it came, body included:
// what is not a plain single query (batches, extensions, GET, a body read
// already by the shared cache), a request text not seen yet, a client over its
// rate, and any execution that ends with an error — Yoga runs that one again
// (reads have no side effects), so that errors are always worded, masked,
// logged and given a status by Yoga alone. Only responses that Yoga wrote
// exactly as this module would (checked byte for byte when one is kept) are
// replayed: one with an ETag (the response cache's) never is.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ExecutionResult } from 'graphql';
import type { CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
import type { Database } from '../db/index.ts';
import { compiledQueryOf } from '../graphql/compiled.ts';
import { createContext } from '../graphql/context.ts';
import type { MailSettings } from '../mail/subscriptions.ts';
import { givenBeforeYoga, isRateLimited, nodeClientAddress, type RateLimiter } from './limits.ts';
import type { Observability, OperationSeen } from './observability.ts';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.ts';
import { GRAPHQL_PATH, MAX_CACHED_BODY as MAX_BODY, PER_RESPONSE } from './shared-cache.ts';

interface Prepared {
  query: CompiledQuery;
  /** The response's own headers, as node:http's raw list: name, value, name, value… */
  headers: string[];
  operations: OperationSeen[];
}

/** What the client sent: a single operation, nothing else. */
interface PlainParams {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/** A request handed to Yoga to learn from: the key it will be kept under. */
interface Learning {
  key: string;
  query?: CompiledQuery;
  result?: ExecutionResult;
}

const LEARNING = Symbol('prepared operation to learn');
type Carrier = IncomingMessage & { body?: Buffer; [LEARNING]?: Learning };

export interface PreparedOperationsOptions {
  database: Database;
  mail: MailSettings;
  limiter: RateLimiter;
  trustProxy: boolean;
  /** The execution time limit (REQUEST_TIMEOUT_MS), as executionTimeout applies it. */
  timeoutMs: number;
  observability: Pick<Observability, 'served' | 'operationsOf'>;
  maxEntries?: number;
  stats?: PreparedStats;
}

/** How requests went, for tests. */
export interface PreparedStats {
  /** Kept after Yoga answered them. */
  prepared: number;
  /** Answered here. */
  served: number;
  /** Read here, then handed to Yoga. */
  handedOver: number;
}

export interface PreparedOperations {
  /** Last of Yoga's plugins: keeps what Yoga did for the requests the listener handed over to learn from. */
  plugin: Plugin;
  /** The node:http listener: answers prepared operations, hands everything else to `next` (Yoga). */
  listener(next: RequestListener): RequestListener;
  stats: PreparedStats;
}

const header = (req: IncomingMessage, name: string): string => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The body as a single plain operation, or null for anything Yoga must look at (it says what is wrong, if anything). */
function plainParams(body: Buffer): PlainParams | null {
  let params: unknown;
  try {
    params = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (!isObject(params) || typeof params.query !== 'string') return null;
  for (const name in params) if (name !== 'query' && name !== 'operationName' && name !== 'variables') return null;
  const { operationName, variables } = params;
  if (operationName != null && typeof operationName !== 'string') return null;
  if (variables != null && !isObject(variables)) return null;
  return params as unknown as PlainParams;
}

export function preparedOperations({
  database,
  mail,
  limiter,
  trustProxy,
  timeoutMs,
  observability,
  maxEntries = 500,
  stats = { prepared: 0, served: 0, handedOver: 0 },
}: PreparedOperationsOptions): PreparedOperations {
  const entries = new Map<string, Prepared>();

  /** To Yoga, with the body read here (whatwg-node takes a body it finds on the request instead of the stream). */
  function handOver(req: Carrier, res: ServerResponse, next: RequestListener, body: Buffer): void {
    stats.handedOver++;
    req.body = body;
    next(req, res);
  }

  function respond(req: IncomingMessage, res: ServerResponse, prepared: Prepared, result: ExecutionResult, rateHeaders: Record<string, string>, started: number): void {
    stats.served++;
    const id = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    const body = JSON.stringify(result);
    const headers = prepared.headers.slice();
    for (const name in rateHeaders) headers.push(name, rateHeaders[name]!);
    headers.push('content-length', String(Buffer.byteLength(body)), REQUEST_ID_HEADER, id);
    res.writeHead(200, headers);
    res.end(body);
    observability.served({ id, method: 'POST', path: GRAPHQL_PATH, status: 200, started, operations: prepared.operations });
  }

  function serve(req: Carrier, res: ServerResponse, next: RequestListener, body: Buffer, started: number): void {
    const params = plainParams(body);
    if (params === null) return handOver(req, res, next, body);
    const key = [header(req, 'accept'), header(req, 'origin'), header(req, 'content-type'), params.operationName ?? '', params.query].join('\n');
    const prepared = entries.get(key);
    if (!prepared) {
      req[LEARNING] = { key };
      return handOver(req, res, next, body);
    }
    // Refused, or ended with an error: Yoga answers, with the same rate decision and deadline.
    const given = givenBeforeYoga(req);
    const decision = isRateLimited('POST', GRAPHQL_PATH) ? limiter.take(nodeClientAddress(req, trustProxy)) : null;
    if (decision !== null) given.decision = decision;
    if (decision?.allowed === false) return handOver(req, res, next, body);
    const context = createContext(database.db, mail);
    context.deadline = given.deadline = { at: Date.now() + timeoutMs, ms: timeoutMs };
    const rateHeaders = decision?.headers ?? {};
    let result: ReturnType<CompiledQuery['query']>;
    try {
      result = prepared.query.query(undefined, context, params.variables ?? {});
    } catch {
      return handOver(req, res, next, body); // Yoga runs it again, and says what went wrong
    }
    if (typeof (result as Promise<ExecutionResult>).then === 'function') {
      (result as Promise<ExecutionResult>).then(
        (settled) => finish(req, res, next, body, prepared, settled, rateHeaders, started),
        () => handOver(req, res, next, body),
      );
    } else finish(req, res, next, body, prepared, result as ExecutionResult, rateHeaders, started);
  }

  // A function of the listener's, not a closure made per request (tsx names each one it makes).
  function finish(
    req: Carrier,
    res: ServerResponse,
    next: RequestListener,
    body: Buffer,
    prepared: Prepared,
    result: ExecutionResult,
    rateHeaders: Record<string, string>,
    started: number,
  ): void {
    if (result.errors?.length) return handOver(req, res, next, body);
    respond(req, res, prepared, result, rateHeaders, started);
  }

  // The first kept is the first dropped: one that is still asked for is prepared again by its next request.
  const keep = (key: string, prepared: Prepared) => {
    entries.set(key, prepared);
    stats.prepared++;
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
  };

  return {
    stats,
    listener(next) {
      return (req: Carrier, res) => {
        // A body read already (the shared cache's miss, to be stored; a chunked one) goes on as it is.
        if (req.method !== 'POST' || req.url !== GRAPHQL_PATH || req.body !== undefined) return next(req, res);
        const length = Number(req.headers['content-length']);
        if (!(length > 0 && length <= MAX_BODY)) return next(req, res);
        const started = performance.now();
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.once('error', () => {}); // the client went away: there is no one to answer
        req.once('end', () => serve(req, res, next, Buffer.concat(chunks), started));
      };
    },

    plugin: {
      onExecute({ args }) {
        const learning = ((args.contextValue as { req?: Carrier }).req)?.[LEARNING];
        if (!learning) return;
        return {
          onExecuteDone({ result }) {
            const query = compiledQueryOf(args.contextValue as object);
            if (!query || (result as ExecutionResult).errors?.length) return;
            learning.query = query;
            learning.result = result as ExecutionResult;
          },
        };
      },

      onResponse({ request, response, serverContext }) {
        const req = (serverContext as { req?: Carrier } | undefined)?.req;
        const learning = req?.[LEARNING];
        if (!learning?.query || response.status !== 200 || response.headers.has('etag') || response.headers.has('set-cookie')) return;
        const headers: string[] = [];
        response.headers.forEach((value, name) => {
          const lower = name.toLowerCase();
          if (!PER_RESPONSE.has(lower)) headers.push(lower, value);
        });
        const operations = observability.operationsOf(request);
        const { key, query, result } = learning;
        return response
          .clone()
          .text()
          .then((body) => {
            if (body === JSON.stringify(result)) keep(key, { query, headers, operations });
          });
      },
    },
  };
}
