// The GraphQL server as a fetch handler: schema, plugins and per-request
// context. It listens on nothing; server.ts does that, tests call yoga.fetch.
import { GraphQLError, specifiedRules, type ExecutionResult } from 'graphql';
import type { IncomingMessage, RequestListener } from 'node:http';
import { createYoga, maskError, type Plugin } from 'graphql-yoga';
import type { Database } from './db/index.ts';
import { sqliteCatalogue, type Catalogue } from './catalogue/catalogue.ts';
import { compiledQueries } from './graphql/compiled.ts';
import { createContext, createContextLater, type Context } from './graphql/context.ts';
import { executionThreads, startExecutionThreads, threadedRoutes } from './graphql/execution-threads.ts';
import { BAD_USER_INPUT } from './graphql/errors.ts';
import { schema } from './graphql/schema.ts';
import { withNamedArgumentValues } from './graphql/validation.ts';
import { loadConfig, type Config } from './config.ts';
import { persistedOperations, responseCache } from './http/caching.ts';
import { admission } from './http/admission.ts';
import { bodySizeLimit, COST_HEADER, createRateLimiter, executionTimeout, limitUnsizedBodies, rateLimit, wellFormedParams } from './http/limits.ts';
import { REQUEST_ID_HEADER, requestIdFrom } from './http/request-id.ts';
import { requestGuards } from './http/request-guards.ts';
import { representations } from './http/representations.ts';
import { observability, timeFromArrival } from './http/observability.ts';
import { log } from './log.ts';
import { mailRequestGuard } from './mail/request-guard.ts';
import type { MailSettings } from './mail/subscriptions.ts';
import { sqliteMailStore, type MailStore } from './mail/mail-store.ts';
import { postgresMailStore } from './mail/pg-mail-store.ts';
import { postgresCatalogue } from './catalogue/pg-catalogue.ts';
import type { PostgresDatabase } from './db/postgres.ts';
import type { MaybePromise } from './catalogue/maybe.ts';
import { openPostgresSyncStore } from './sync/pg-sync-store.ts';
import { sqliteSyncStore, type SyncStore } from './sync/sync-store.ts';
import { answerRoute, routeTask, type RouteTask } from './routes/catalogue-routes.ts';
import { digestLinks } from './routes/digest-links.ts';
import { embed } from './routes/embed.ts';
import { graphiqlAssets, renderGraphiQL } from './routes/graphiql.ts';
import { home } from './routes/home.ts';

export const EXAMPLE_QUERY = `# Trending papers of the latest week in the catalogue.
query Trending {
  trendingPapers(window: WEEK, first: 5) {
    nodes {
      arxivId
      title
      upvotes
      trendingScore
      organization { name }
      authors { name }
    }
  }
}
`;

/** Argument literals of the wrong type name the argument and say BAD_USER_INPUT. */
const namedArgumentErrors: Plugin = {
  onValidate({ setValidationFn, validateFn }) {
    setValidationFn((s, document, rules, ...rest) => validateFn(s, document, withNamedArgumentValues(rules ?? specifiedRules), ...rest));
  },
};

/** Variables that do not fit their type are bad input too; graphql-js gives them no code. */
const badVariablesCode: Plugin = {
  onExecute: () => ({
    onExecuteDone({ result, setResult }) {
      const single = result as ExecutionResult;
      if (!single.errors || single.data !== undefined) return;
      setResult({
        ...single,
        errors: single.errors.map((e) =>
          e.extensions.code ? e : new GraphQLError(e.message, { nodes: e.nodes, originalError: e.originalError, extensions: { ...e.extensions, code: BAD_USER_INPUT } }),
        ),
      });
    },
  }),
};

export interface AppOptions {
  /** Base of links in mail and feeds, and how to wake the outbox worker. */
  mail?: MailSettings;
  /** Limits, caching, CORS… (default: the defaults, with rate limiting off, as tests want it). */
  config?: Config;
}

/**
 * What a server serves: the catalogue, the digest subscriptions and their
 * mail, and the SQLite database where the catalogue is one (execution
 * threads and the count of statements are kept there).
 */
export interface Served {
  catalogue: Catalogue;
  mailStore: MailStore;
  /** The scheduled sync's store, for one run. */
  openSyncStore(): MaybePromise<SyncStore>;
  database: Database | null;
}

/** A PostgreSQL database is served through its catalogue, its mail store and its sync's store. */
export const postgresServed = (postgres: PostgresDatabase): Served => ({
  catalogue: postgresCatalogue(postgres),
  mailStore: postgresMailStore(postgres),
  openSyncStore: () => openPostgresSyncStore(postgres),
  database: null,
});

/** A SQLite database is served as itself. */
export const sqliteServed = (database: Database): Served => ({
  catalogue: sqliteCatalogue(database),
  mailStore: sqliteMailStore(database.db),
  openSyncStore: () => sqliteSyncStore(database),
  database,
});

const servedOf = (source: Database | Served): Served => ('catalogue' in source ? source : sqliteServed(source));

/** Plain HTTP routes next to /graphql: the links in mail, the feeds, the widget, GraphiQL's files and the root page. */
function routes({ mailStore }: Served, mail: MailSettings, limits: Config['limits'], answer: (task: RouteTask) => Promise<Response>): Plugin {
  const root = home(schema);
  const read = (task: RouteTask | null) => task && answer(task);
  return {
    onRequest({ request, url, endResponse }) {
      // Promises: a POST's form is read; GraphiQL's bundle is loaded on first use; the feeds and the daily-papers API read the catalogue.
      const later = digestLinks(mailStore, request, url) ?? graphiqlAssets(request, url) ?? read(routeTask(request, url, mail.publicUrl, limits.maxNodes));
      if (later) return later.then(endResponse);
      const response = embed(request, url) ?? root(request, url);
      if (response) endResponse(response);
    },
  };
}

export function createApp(source: Database | Served, options: AppOptions = {}) {
  return assemble(servedOf(source), options).yoga;
}

export type App = ReturnType<typeof createApp>;

/** What the server listens with: the app, behind the body limit for bodies sent without a length; close() stops its execution threads. */
export function createRequestListener(source: Database | Served, options: AppOptions = {}): RequestListener & { close(): Promise<void> } {
  const { yoga, observed, config, threads } = assemble(servedOf(source), options);
  const refused = (req: IncomingMessage, status: number, started: number) =>
    observed.served({ id: requestIdFrom(req.headers[REQUEST_ID_HEADER]), method: req.method ?? 'POST', path: req.url?.split('?', 1)[0] ?? '/', status, started, operations: [] });
  threads?.start();
  const listener = timeFromArrival(limitUnsizedBodies(config.limits.maxBodyBytes, yoga, refused));
  return Object.assign(listener, { close: async () => threads?.close() });
}

function assemble(
  served: Served,
  {
    mail = { publicUrl: 'http://127.0.0.1:4000', nudge: () => {} },
    config = loadConfig({ RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent', EXECUTION_THREADS: '0' }),
  }: AppOptions,
) {
  const { catalogue, mailStore, database } = served;
  const limiter = createRateLimiter(config.limits);
  const observed = observability({ catalogue, config });
  // A private in-memory catalogue has nothing that another connection could read; PostgreSQL answers off this thread anyway.
  const file = database && !database.sqlite.memory ? database.sqlite.name : null;
  const threads = config.executionThreads > 0 && file ? startExecutionThreads(config.executionThreads, { file }, observed.registry) : null;
  const inlineRoute = (task: RouteTask) => answerRoute(catalogue, task);
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    // An engine answering later has the latest listing day read before the resolvers ask for it.
    context: database ? () => createContext(catalogue, mailStore, mail) : () => createContextLater(catalogue, mailStore, mail),
    graphqlEndpoint: '/graphql',
    batching: { limit: config.limits.maxBatch },
    // bodySizeLimit (and limitUnsizedBodies on the node:http side) enforce MAX_BODY_BYTES; yoga's own
    // check would pipe every body through a stream transform to count it again.
    maxRequestBodySize: false,
    cors: {
      origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
      // Nothing here uses cookies or HTTP auth: no page may send a visitor's credentials along.
      credentials: false,
      methods: ['GET', 'POST'],
      exposedHeaders: ['ETag', 'X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy', 'Cache-Status', 'Age', COST_HEADER],
      maxAge: 86_400,
    },
    healthCheckEndpoint: '/health',
    landingPage: false,
    logging: false,
    graphiql: { title: 'Paper catalogue', defaultQuery: EXAMPLE_QUERY },
    renderGraphiQL, // from this server's files, not a CDN
    maskedErrors: {
      // Clients see "Unexpected error."; the log keeps the cause.
      maskError(error, message, isDev) {
        const masked = maskError(error, message, isDev);
        // Those of an execution are logged with their request id (observability.ts); these are the others.
        const cause = (error as GraphQLError).originalError ?? error;
        if (masked !== error && !observed.logged(cause)) log.error('unexpected error in a request', { error: cause });
        return masked;
      },
    },
    // Cheapest refusals first: a request turned away costs as little as possible.
    plugins: [
      representations(), // Vary, ETags and 304s; its onResponse before observability's, which logs the status
      observed.plugin, // before the others, so that it counts and logs the requests they refuse
      rateLimit(limiter, config.limits),
      requestGuards(), // JSON bodies only (415), and bad parameters 400 before anything reads them
      bodySizeLimit(config.limits.maxBodyBytes),
      wellFormedParams(),
      routes(served, mail, config.limits, threads && database ? threadedRoutes(threads, database, config.limits.requestTimeoutMs, inlineRoute) : inlineRoute),
      ...persistedOperations(config),
      mailRequestGuard(config), // after persisted operations, which fill in documents sent by hash
      compiledQueries(), // before the response cache, which wraps the execution it finds
      executionThreads(threads, database), // after the compiled execution is chosen, before the cache wraps it
      ...responseCache(catalogue, config.responseCacheTtlMs),
      ...admission(schema, catalogue, limiter, config), // every operation; after the cache, so that a refusal replaces a cached answer
      executionTimeout(config.limits.requestTimeoutMs),
      namedArgumentErrors,
      badVariablesCode,
    ],
  });
  return { yoga, observed, config, threads };
}
