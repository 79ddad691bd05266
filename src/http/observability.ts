// What operators see of the API: a request id on every response and on the
// log lines of its request (the request line, and an unexpected error with its
// cause), one log line per request, GET /ready and GET /metrics. One Yoga
// plugin, first in the list, so that it also sees the requests that later
// plugins refuse. Request state is kept by Yoga's Request object, not in
// AsyncLocalStorage, which on Node 20 slows every promise of the process.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, RequestListener } from 'node:http';
import { Kind, getOperationAST, parse, type DocumentNode, type ExecutionResult } from 'graphql';
import { maskError, type Plugin } from 'graphql-yoga';
import type { Registry } from 'prom-client';
import type { Config } from '../config.ts';
import type { Catalogue } from '../catalogue/catalogue.ts';
import { andThen } from '../catalogue/maybe.ts';
import { log, logs } from '../log.ts';
import { createMetrics } from './metrics.ts';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.ts';

export interface ObservabilityOptions {
  catalogue: Catalogue;
  /**
   * Its logLevel also applies to the request lines (apps in tests are 'silent');
   * the operations of an allow-list of persisted operations always have their own label in the metrics.
   */
  config: Pick<Config, 'logLevel'> & Partial<Pick<Config, 'persistedOperations' | 'persistedOperationsFile'>>;
  /** Where the metrics go (default: a new registry for this app). */
  registry?: Registry;
}

/** A GraphQL operation as the metrics and the request line name it. */
export interface OperationSeen {
  /** From the document (a GraphQL Name, so never an e-mail address) once it is parsed. */
  name: string | null;
  type: 'query' | 'mutation' | 'subscription' | 'unknown';
}

interface RequestState {
  id: string;
  started: number;
  /** The GraphQL operations of the request, in the order they ended. */
  operations: OperationSeen[];
}

/** A request answered outside Yoga (refused before Yoga), to be counted and logged as Yoga's are. */
export interface ServedRequest {
  id: string;
  /** Whether a cache answered it (else it was refused before Yoga). */
  cached?: boolean;
  method: string;
  path: string;
  status: number;
  started: number;
  operations: OperationSeen[];
}

export interface Observability {
  plugin: Plugin;
  /** Where /metrics reads from, for the metrics of other parts (execution threads). */
  registry: Registry;
  served(request: ServedRequest): void;
  /** The operations of a request that Yoga is handling, so far. */
  operationsOf(request: Request): OperationSeen[];
  /** Whether an error was logged with its request already (maskError logs the others). */
  logged(error: unknown): boolean;
}

interface OperationState extends OperationSeen {
  /** Its request's state (none for a request Yoga did not start through instrumentation.request). */
  request: RequestState | undefined;
  started: number;
  /** The operationName and the document the client sent. */
  requested: string | null;
  query: string | null;
  /** Whether the document was parsed (or failed to parse): then name and type are known. */
  parsed: boolean;
  errors: number;
}

const NO_STORE = { 'cache-control': 'no-store' };
const MAX_TOKENS = 2_000;

/** When node:http handed over the request, set by the outermost listener (timeFromArrival). */
const ARRIVED = Symbol('arrived');
type Arrived = IncomingMessage & { [ARRIVED]?: number };

/**
 * The outermost node:http listener: notes when a request came, so that its
 * log line and metrics cover the time the listeners in front of Yoga spend
 * (reading a body, above all) and not only Yoga's.
 */
export function timeFromArrival(next: RequestListener): RequestListener {
  return (req: Arrived, res) => {
    req[ARRIVED] = performance.now();
    next(req, res);
  };
}

/** When a request came to the outermost listener (now, for one that did not come through it). */
export function arrivedAt(req: IncomingMessage): number {
  return (req as Arrived)[ARRIVED] ?? performance.now();
}

/** The names of the operations of the allow-list (none when there is none); caching.ts checks the file. */
function allowedOperationNames(config: ObservabilityOptions['config']): string[] {
  if (config.persistedOperations !== 'allowlist' || !config.persistedOperationsFile) return [];
  const documents = Object.values(JSON.parse(readFileSync(config.persistedOperationsFile, 'utf8')) as Record<string, string>);
  return documents.flatMap((document) =>
    parse(document, { noLocation: true }).definitions.flatMap((definition) =>
      definition.kind === Kind.OPERATION_DEFINITION && definition.name ? [definition.name.value] : [],
    ),
  );
}

export function observability({ catalogue, config, registry }: ObservabilityOptions): Observability {
  const metrics = createMetrics({ registry, knownOperations: allowedOperationNames(config), sync: () => catalogue.syncStatus() });
  // The state of a request is kept on Yoga's Request, which the operations are
  // also given, and that of an operation on its context (one per operation,
  // even in a batch): not in WeakMaps keyed by them (test/memory.test.ts).
  const REQUEST = Symbol('request state');
  const OPERATION = Symbol('operation state');
  type Carrier = { [REQUEST]?: RequestState; [OPERATION]?: OperationState };
  const requestState = (request: Request) => (request as Carrier)[REQUEST];
  const operationState = (context: object) => (context as Carrier)[OPERATION];
  // Unexpected errors logged with their request, so that maskError does not log them again.
  const loggedErrors = new WeakSet<object>();

  const describe = (operation: OperationState | undefined, document: DocumentNode, operationName?: string | null): void => {
    if (!operation) return;
    operation.parsed = true;
    const ast = getOperationAST(document, operationName ?? operation.requested ?? undefined);
    if (!ast) return;
    operation.type = ast.operation;
    operation.name = ast.name?.value ?? null;
  };

  const ended = (operation: OperationState): void => {
    // Answered without parsing (the response cache): parse here, with a token
    // limit so that this is no way round the query limits.
    if (!operation.parsed && operation.query !== null) {
      try {
        describe(operation, parse(operation.query, { noLocation: true, maxTokens: MAX_TOKENS }));
      } catch {
        // stays unknown
      }
    }
    metrics.operation(operation.name, operation.type, (performance.now() - operation.started) / 1000, operation.errors);
    operation.request?.operations.push({ name: operation.name, type: operation.type });
  };

  /** The one line per request. The path only: query strings carry GraphQL variables and mail tokens. */
  const logRequest = (line: Omit<ServedRequest, 'started'> & { ms: number; cache?: 'hit' }): void => {
    if (!logs('info', config.logLevel)) return;
    log.info('request', {
      method: line.method,
      path: line.path.length > 200 ? `${line.path.slice(0, 200)}…` : line.path,
      status: line.status,
      ms: line.ms,
      ...(line.operations.length > 0 && { operation: line.operations.map((o) => o.name ?? 'anonymous').join(',') }),
      ...(line.cache && { cache: line.cache }),
      requestId: line.id,
    });
  };
  const msSince = (started: number) => Math.round((performance.now() - started) * 10) / 10;

  const plugin: Plugin = {
    instrumentation: {
      request({ request }, handle) {
        (request as Carrier)[REQUEST] = { id: requestIdOf(request), started: performance.now(), operations: [] };
        return handle();
      },
      operation({ context, request }, handle) {
        const operation: OperationState = {
          request: requestState(request),
          started: performance.now(),
          requested: null,
          query: null,
          parsed: false,
          name: null,
          type: 'unknown',
          errors: 0,
        };
        (context as Carrier)[OPERATION] = operation;
        const failed = (error: unknown) => {
          operation.errors += 1;
          ended(operation);
          throw error;
        };
        let handled: PromiseLike<void> | void;
        try {
          handled = handle();
        } catch (error) {
          return failed(error);
        }
        // Yoga's "fake promises" are thenables but not Promises.
        if (typeof handled?.then === 'function') return Promise.resolve(handled).then(() => ended(operation), failed);
        ended(operation);
      },
    },

    onRequest({ request, serverContext, url, endResponse, fetchAPI }) {
      // Handed over by node:http: the request started when it came to the outermost listener.
      const arrived = (serverContext as { req?: Arrived } | undefined)?.req?.[ARRIVED];
      const state = requestState(request);
      if (arrived !== undefined && state) state.started = arrived;
      if (url.pathname !== '/ready' && url.pathname !== '/metrics') return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      if (url.pathname === '/ready') {
        return andThen(catalogue.readiness(), (state) => {
          const body = state.ready ? { status: 'ready', migrations: state.migrations, pid: process.pid } : { status: 'not ready', reason: state.reason };
          const headers = { 'content-type': 'application/json; charset=utf-8', ...NO_STORE };
          endResponse(new fetchAPI.Response(JSON.stringify(body), { status: state.ready ? 200 : 503, headers }));
        });
      }
      return metrics.registry.metrics().then((text) => {
        endResponse(new fetchAPI.Response(text, { headers: { 'content-type': metrics.registry.contentType, ...NO_STORE } }));
      });
    },

    onParams({ params, context }) {
      const operation = operationState(context);
      if (!operation || typeof params !== 'object' || params === null) return; // yoga refuses such params next
      operation.requested = typeof params.operationName === 'string' ? params.operationName : null;
      operation.query = typeof params.query === 'string' ? params.query : null;
    },

    // Validation may fail, so the name and type are taken once parsed; onExecute has the last word.
    onParse({ context }) {
      return ({ result }) => {
        const operation = operationState(context);
        if (result instanceof Error || result === null) {
          if (operation) operation.parsed = true;
        } else {
          describe(operation, result);
        }
      };
    },

    onExecute({ args }) {
      const operation = operationState(args.contextValue as object);
      describe(operation, args.document, args.operationName);
      return {
        // Before Yoga masks them: the errors that are no fault of the client, with their cause and request id.
        onExecuteDone({ result }) {
          for (const error of (result as ExecutionResult).errors ?? []) {
            if (maskError(error, '') === error) continue;
            const cause = error.originalError ?? error;
            loggedErrors.add(cause);
            log.error('unexpected error in a request', { error: cause, ...(operation?.request && { requestId: operation.request.id }) });
          }
        },
      };
    },

    onExecutionResult({ result, context }) {
      const operation = operationState(context);
      if (operation && result && 'errors' in result && Array.isArray(result.errors)) operation.errors += result.errors.length;
    },

    onResponse({ request, response, setResponse, fetchAPI }) {
      const state = requestState(request);
      if (!state) return;
      try {
        response.headers.set(REQUEST_ID_HEADER, state.id);
      } catch {
        // Immutable headers (Response.error(), a fetched response): answer with a copy.
        const copy = new fetchAPI.Response(response.body, response);
        copy.headers.set(REQUEST_ID_HEADER, state.id);
        setResponse(copy);
      }
      const path = new URL(request.url).pathname;
      metrics.request(request.method, path, response.status);
      logRequest({ id: state.id, method: request.method, path, status: response.status, ms: msSince(state.started), operations: state.operations });
    },
  };

  return {
    plugin,
    registry: metrics.registry,
    served(request) {
      metrics.request(request.method, request.path, request.status);
      const seconds = (performance.now() - request.started) / 1000;
      for (const operation of request.operations) metrics.operation(operation.name, operation.type, seconds, 0);
      // Field by field: V8 takes microseconds to spread an object into one with more properties.
      const { id, method, path, status, operations } = request;
      logRequest({ id, method, path, status, operations, ms: msSince(request.started), cache: request.cached ? 'hit' : undefined });
    },
    operationsOf: (request) => [...(requestState(request)?.operations ?? [])],
    logged: (error) => typeof error === 'object' && error !== null && loggedErrors.has(error),
  };
}
