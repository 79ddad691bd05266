// Settings from the environment, read and checked once at start-up. A bad
// value stops the process with a message that names the variable.

export interface Config {
  /** SQLite file of the catalogue; created, migrated and seeded on first start. */
  databasePath: string;
  host: string;
  port: number;
  /** Load the bundled seeds into an empty catalogue on start ("auto"), or never ("off"). */
  seeds: 'auto' | 'off';
  /** Where this server is reached from outside: the base of the links in mail and feeds (default: its own address). */
  publicUrl: string | null;
  mail: {
    /** SMTP server, e.g. smtp://user:pass@127.0.0.1:2525; without one, mail is written as .eml files to outboxDir. */
    smtpUrl: string | null;
    outboxDir: string;
    from: string;
    /** How often the server looks for mail to deliver. */
    pollMs: number;
  };
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

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(`${name} must be a whole number ≥ 1; got "${raw}"`);
  return value;
}

function url(env: Env, name: string, fallback: string | null, protocols: string[]): string | null {
  const raw = env[name] || fallback;
  if (raw === null) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL; got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(`${name} must be a ${protocols.join(' or ')} URL; got "${raw}"`);
  return raw.replace(/\/+$/u, '');
}

/** The base of links: PUBLIC_URL, or the address the server listens on. */
export function publicUrlOf(config: Config, port = config.port): string {
  return config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
}

export function loadConfig(env: Env = process.env): Config {
  return {
    databasePath: env.DATABASE_PATH || './data/catalogue.db',
    host: env.HOST || '127.0.0.1',
    port: port(env, 'PORT', 4000),
    seeds: oneOf(env, 'SEEDS', ['auto', 'off'] as const, 'auto'),
    publicUrl: url(env, 'PUBLIC_URL', null, ['http:', 'https:']),
    mail: {
      smtpUrl: url(env, 'SMTP_URL', null, ['smtp:', 'smtps:']),
      outboxDir: env.OUTBOX_DIR || './data/outbox',
      from: env.MAIL_FROM || 'Paper catalogue <digest@localhost>',
      pollMs: positiveInt(env, 'MAIL_POLL_MS', 2000),
    },
  };
}
