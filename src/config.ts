// Settings from the environment, read and checked once at start-up. A bad
// value stops the process with a message that names the variable.
import { availableParallelism } from 'node:os';

export interface Config {
  /** SQLite file of the catalogue; created, migrated and seeded on first start. */
  databasePath: string;
  /** The catalogue on PostgreSQL instead (DATABASE_URL=postgres://…): migrated and seeded on first start the same way. */
  databaseUrl: string | null;
  /** PostgreSQL streaming replicas of DATABASE_URL that the reads go to. */
  databaseReplicaUrls: string[];
  host: string;
  port: number;
  /** Load the bundled seeds into an empty catalogue on start ("auto"), or never ("off"). */
  seeds: 'auto' | 'off';
  /** Server processes sharing the port (node:cluster). */
  workers: number;
  /** Threads per process that run expensive queries (0: all on the main thread). */
  executionThreads: number;
  /** Where this server is reached from outside: the base of the links in mail and feeds (default: its own address). */
  publicUrl: string | null;
  /** production turns off field suggestions in error messages. */
  production: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** How long SIGTERM / SIGINT wait for requests in flight before closing anyway. */
  shutdownGraceMs: number;
  limits: {
    /** Request bodies above this many bytes get 413 before they are parsed. */
    maxBodyBytes: number;
    /** Requests taking longer are cut off with 503. */
    requestTimeoutMs: number;
    /** Token bucket per client IP: refill per minute and bucket size; 0 turns rate limiting off. */
    ratePerMinute: number;
    rateBurst: number;
    /** Take the client IP from X-Forwarded-For (behind a proxy you trust). */
    trustProxy: boolean;
    maxDepth: number;
    maxAliases: number;
    maxDirectives: number;
    maxTokens: number;
    /** Most nodes one request may ask for, counting first/last of nested connections multiplied. */
    maxNodes: number;
    /** Most operations in one batched request. */
    maxBatch: number;
  };
  /** Allowed CORS origins; ['*'] for any. */
  corsOrigins: string[];
  /** "apq": clients may send a hash instead of a document they sent before; "allowlist": only the hashes in persistedOperationsFile run; "off". */
  persistedOperations: 'apq' | 'allowlist' | 'off';
  persistedOperationsFile: string | null;
  /** Lifetime of cached anonymous read responses; 0 turns the cache off. */
  responseCacheTtlMs: number;
  mail: {
    /** SMTP server, e.g. smtp://user:pass@127.0.0.1:2525; without one, mail is written as .eml files to outboxDir. */
    smtpUrl: string | null;
    outboxDir: string;
    from: string;
    /** How often the server looks for mail to deliver. */
    pollMs: number;
    /** Subscriptions one client IP may ask for in 24 hours (SUBSCRIPTIONS_PER_IP_PER_DAY), each with its confirmation mail. */
    subscriptionsPerIpPerDay: number;
  };
  sync: SyncSettings;
}

/** `npm run sync` and the server's own syncing (SYNC_INTERVAL) from the daily-papers API. */
export interface SyncSettings {
  /** Base of the daily-papers API (UPSTREAM_URL): GET {upstreamUrl}/api/daily_papers?date=YYYY-MM-DD, page by page. */
  upstreamUrl: string;
  /** Sent as a bearer token when set (HF_TOKEN). */
  token: string | null;
  /** Days listed this recently are fetched again, since their upvotes keep growing. */
  refreshDays: number;
  /** How often the server syncs on its own; null: never (the default). */
  intervalMs: number | null;
  /** One request (headers and body) taking longer fails, and is retried. */
  timeoutMs: number;
  /** Attempts after the first, on a 5xx, a network error or a time-out (and, separately, on 429). */
  retries: number;
  /** The first wait before a retry; doubled each time. */
  backoffMs: number;
  /** A 429 asking to wait longer than this ends the run (the next one picks up). */
  maxWaitMs: number;
  /** The least time between two requests (the public API allows 500 per 5 minutes). */
  spacingMs: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = env[name] ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}; got "${value}"`);
  }
  return value as T;
}

function port(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new ConfigError(`${name} must be a port number between 0 and 65535; got "${raw}"`);
  }
  return value;
}

function positiveInt(env: Env, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new ConfigError(`${name} must be a whole number ≥ ${min}; got "${raw}"`);
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false; got "${raw}"`);
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration like "15m", "1h", "30s", "1d"; "off" or unset for none. */
function duration(env: Env, name: string): number | null {
  const raw = (env[name] ?? '').trim();
  if (raw === '' || raw === 'off') return null;
  const match = /^(\d+)(ms|s|m|h|d)$/u.exec(raw);
  if (!match || Number(match[1]) === 0) throw new ConfigError(`${name} must be a duration like 15m, 1h or 1d, or off; got "${raw}"`);
  return Number(match[1]) * UNITS[match[2]!]!;
}

function origins(env: Env, name: string): string[] {
  const raw = (env[name] ?? '*').trim();
  if (raw === '*' || raw === '') return ['*'];
  return raw.split(',').map((item) => {
    const origin = item.trim();
    if (!URL.canParse(origin) || new URL(origin).origin !== origin || !/^https?:$/u.test(new URL(origin).protocol)) {
      throw new ConfigError(`${name} must be * or a comma-separated list of origins like https://example.org; got "${origin}"`);
    }
    return origin;
  });
}

function url(env: Env, name: string, fallback: string | null, protocols: string[]): string | null {
  const raw = env[name] || fallback;
  if (raw === null) return null;
  let parsed: URL;
  // A database's URL may hold its password: never repeated.
  const shown = raw.replace(/\/\/([^:@/]*):[^@/]*@/u, '//$1:***@');
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL; got "${shown}"`);
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(`${name} must be a ${protocols.join(' or ')} URL; got "${shown}"`);
  return raw.replace(/\/+$/u, '');
}

/** DATABASE_REPLICA_URLS: comma-separated PostgreSQL URLs, only beside a DATABASE_URL. */
function replicaUrls(env: Env): string[] {
  const list = (env.DATABASE_REPLICA_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  if (list.length > 0 && !env.DATABASE_URL) throw new ConfigError('DATABASE_REPLICA_URLS needs DATABASE_URL: replicas are of a PostgreSQL primary');
  return list.map((raw, i) => url({ [`DATABASE_REPLICA_URLS[${i}]`]: raw }, `DATABASE_REPLICA_URLS[${i}]`, null, ['postgres:', 'postgresql:'])!);
}

/** The base of links: PUBLIC_URL, or the address the server listens on. */
export function publicUrlOf(config: Config, port = config.port): string {
  return config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
}

export function loadConfig(env: Env = process.env): Config {
  const config: Config = {
    databasePath: env.DATABASE_PATH || './data/catalogue.db',
    databaseUrl: url(env, 'DATABASE_URL', null, ['postgres:', 'postgresql:']),
    databaseReplicaUrls: replicaUrls(env),
    host: env.HOST || '127.0.0.1',
    port: port(env, 'PORT', 4000),
    seeds: oneOf(env, 'SEEDS', ['auto', 'off'] as const, 'auto'),
    workers: positiveInt(env, 'WORKERS', 1),
    executionThreads: positiveInt(env, 'EXECUTION_THREADS', Math.max(1, availableParallelism() - 1), 0),
    publicUrl: url(env, 'PUBLIC_URL', null, ['http:', 'https:']),
    production: env.NODE_ENV === 'production',
    logLevel: oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
    shutdownGraceMs: positiveInt(env, 'SHUTDOWN_GRACE_MS', 10_000),
    limits: {
      maxBodyBytes: positiveInt(env, 'MAX_BODY_BYTES', 100_000),
      requestTimeoutMs: positiveInt(env, 'REQUEST_TIMEOUT_MS', 10_000),
      ratePerMinute: positiveInt(env, 'RATE_LIMIT_PER_MINUTE', 600, 0),
      rateBurst: positiveInt(env, 'RATE_LIMIT_BURST', 120),
      trustProxy: flag(env, 'TRUST_PROXY', false),
      maxDepth: positiveInt(env, 'MAX_QUERY_DEPTH', 12),
      maxAliases: positiveInt(env, 'MAX_QUERY_ALIASES', 30),
      maxDirectives: positiveInt(env, 'MAX_QUERY_DIRECTIVES', 20),
      maxTokens: positiveInt(env, 'MAX_QUERY_TOKENS', 5_000),
      maxNodes: positiveInt(env, 'MAX_QUERY_NODES', 100_000),
      maxBatch: positiveInt(env, 'MAX_BATCH_OPERATIONS', 10),
    },
    corsOrigins: origins(env, 'CORS_ORIGINS'),
    persistedOperations: oneOf(env, 'PERSISTED_OPERATIONS', ['apq', 'allowlist', 'off'] as const, 'apq'),
    persistedOperationsFile: env.PERSISTED_OPERATIONS_FILE || null,
    responseCacheTtlMs: positiveInt(env, 'RESPONSE_CACHE_TTL_MS', 60_000, 0),
    mail: {
      smtpUrl: url(env, 'SMTP_URL', null, ['smtp:', 'smtps:']),
      outboxDir: env.OUTBOX_DIR || './data/outbox',
      from: env.MAIL_FROM || 'Paper catalogue <digest@localhost>',
      pollMs: positiveInt(env, 'MAIL_POLL_MS', 2000),
      subscriptionsPerIpPerDay: positiveInt(env, 'SUBSCRIPTIONS_PER_IP_PER_DAY', 20),
    },
    sync: {
      upstreamUrl: url(env, 'UPSTREAM_URL', 'https://huggingface.co', ['http:', 'https:'])!,
      token: env.HF_TOKEN || null,
      refreshDays: positiveInt(env, 'SYNC_REFRESH_DAYS', 7, 0),
      intervalMs: duration(env, 'SYNC_INTERVAL'),
      timeoutMs: positiveInt(env, 'SYNC_TIMEOUT_MS', 30_000),
      retries: positiveInt(env, 'SYNC_RETRIES', 4, 0),
      backoffMs: positiveInt(env, 'SYNC_BACKOFF_MS', 1_000, 0),
      maxWaitMs: positiveInt(env, 'SYNC_MAX_WAIT_MS', 300_000, 0),
      spacingMs: positiveInt(env, 'SYNC_SPACING_MS', 600, 0),
    },
  };
  if (config.persistedOperations === 'allowlist' && !config.persistedOperationsFile) {
    throw new ConfigError('PERSISTED_OPERATIONS=allowlist needs PERSISTED_OPERATIONS_FILE, a JSON object of sha256 hash → document');
  }
  return config;
}

/** One environment variable, as `--help` lists it: its default is what loadConfig gives without it. */
interface Setting {
  name: string;
  about: string;
  fallback(defaults: Config): string | number | boolean | null;
}

const SETTINGS: Setting[] = [
  { name: 'DATABASE_PATH', about: 'SQLite file of the catalogue; its folder must exist', fallback: (c) => c.databasePath },
  { name: 'DATABASE_URL', about: 'postgres://… : the catalogue on PostgreSQL instead of DATABASE_PATH', fallback: () => null },
  { name: 'DATABASE_REPLICA_URLS', about: 'postgres://…,… : streaming replicas of DATABASE_URL that reads go to', fallback: () => null },
  { name: 'LOG_LEVEL', about: 'debug, info, warn, error or silent', fallback: (c) => c.logLevel },
  { name: 'HOST', about: 'address to listen on', fallback: (c) => c.host },
  { name: 'PORT', about: 'port to listen on (0: any free port)', fallback: (c) => c.port },
  { name: 'PUBLIC_URL', about: 'base of the links in mail and feeds', fallback: () => 'http://HOST:PORT' },
  { name: 'SEEDS', about: 'auto: load the bundled seeds into an empty catalogue; off', fallback: (c) => c.seeds },
  { name: 'WORKERS', about: 'server processes sharing the port', fallback: (c) => c.workers },
  { name: 'EXECUTION_THREADS', about: 'threads per process running queries over one point (0: none)', fallback: (c) => c.executionThreads },
  { name: 'NODE_ENV', about: 'production hides field suggestions in errors', fallback: () => null },
  { name: 'SHUTDOWN_GRACE_MS', about: 'how long SIGTERM/SIGINT wait for requests in flight', fallback: (c) => c.shutdownGraceMs },
  { name: 'MAX_BODY_BYTES', about: 'larger request bodies get 413', fallback: (c) => c.limits.maxBodyBytes },
  { name: 'REQUEST_TIMEOUT_MS', about: 'slower requests get 503', fallback: (c) => c.limits.requestTimeoutMs },
  { name: 'RATE_LIMIT_PER_MINUTE', about: 'points per client IP a minute (0: off)', fallback: (c) => c.limits.ratePerMinute },
  { name: 'RATE_LIMIT_BURST', about: 'points a client may spend at once', fallback: (c) => c.limits.rateBurst },
  { name: 'TRUST_PROXY', about: 'take the client IP from X-Forwarded-For', fallback: (c) => c.limits.trustProxy },
  { name: 'MAX_QUERY_DEPTH', about: 'deepest query admitted', fallback: (c) => c.limits.maxDepth },
  { name: 'MAX_QUERY_ALIASES', about: 'most aliases in a query', fallback: (c) => c.limits.maxAliases },
  { name: 'MAX_QUERY_DIRECTIVES', about: 'most directives in a query', fallback: (c) => c.limits.maxDirectives },
  { name: 'MAX_QUERY_TOKENS', about: 'most tokens in a query', fallback: (c) => c.limits.maxTokens },
  { name: 'MAX_QUERY_NODES', about: 'most nodes a request may ask for', fallback: (c) => c.limits.maxNodes },
  { name: 'MAX_BATCH_OPERATIONS', about: 'most operations in one batched request', fallback: (c) => c.limits.maxBatch },
  { name: 'CORS_ORIGINS', about: '* or comma-separated origins', fallback: (c) => c.corsOrigins.join(',') },
  { name: 'PERSISTED_OPERATIONS', about: 'apq, allowlist or off', fallback: (c) => c.persistedOperations },
  { name: 'PERSISTED_OPERATIONS_FILE', about: 'JSON of sha256 hash → document (allowlist)', fallback: (c) => c.persistedOperationsFile },
  { name: 'RESPONSE_CACHE_TTL_MS', about: 'lifetime of cached read responses (0: off)', fallback: (c) => c.responseCacheTtlMs },
  { name: 'SMTP_URL', about: 'smtp:// or smtps:// server; unset: mail is written to OUTBOX_DIR', fallback: (c) => c.mail.smtpUrl },
  { name: 'OUTBOX_DIR', about: 'folder of .eml files when SMTP_URL is unset', fallback: (c) => c.mail.outboxDir },
  { name: 'MAIL_FROM', about: 'sender of the mail', fallback: (c) => c.mail.from },
  { name: 'MAIL_POLL_MS', about: 'how often the server looks for mail to deliver', fallback: (c) => c.mail.pollMs },
  { name: 'UPSTREAM_URL', about: 'the daily-papers API that sync reads', fallback: (c) => c.sync.upstreamUrl },
  { name: 'HF_TOKEN', about: 'bearer token sent to the upstream, if set', fallback: () => null },
  { name: 'SYNC_INTERVAL', about: 'the server syncs this often (15m, 1h, 1d); unset: never', fallback: () => null },
  { name: 'SYNC_REFRESH_DAYS', about: 'recent days fetched again (upvotes keep growing)', fallback: (c) => c.sync.refreshDays },
  { name: 'SUBSCRIPTIONS_PER_IP_PER_DAY', about: 'subscriptions one client IP may ask for a day', fallback: (c) => c.mail.subscriptionsPerIpPerDay },
];

/** The environment variables of a command, one a line, with their defaults: for `--help`. */
export function describeSettings(names: 'all' | string[]): string {
  const defaults = loadConfig({});
  const chosen = names === 'all' ? SETTINGS : SETTINGS.filter((s) => names.includes(s.name));
  const width = Math.max(...chosen.map((s) => s.name.length));
  const lines = chosen.map((s) => {
    const fallback = s.fallback(defaults);
    return `  ${s.name.padEnd(width)}  ${s.about} (default: ${fallback === null ? 'not set' : fallback})`;
  });
  return `environment:\n${lines.join('\n')}\n`;
}
