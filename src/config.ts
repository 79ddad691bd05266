// Settings from the environment, read and checked once at start-up. A bad
// value stops the process with a message that names the variable.

export interface Config {
  /** SQLite file of the catalogue; created, migrated and seeded on first start. */
  databasePath: string;
  host: string;
  port: number;
  /** Load the bundled seeds into an empty catalogue on start ("auto"), or never ("off"). */
  seeds: 'auto' | 'off';
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

export function loadConfig(env: Env = process.env): Config {
  return {
    databasePath: env.DATABASE_PATH || './data/catalogue.db',
    host: env.HOST || '127.0.0.1',
    port: port(env, 'PORT', 4000),
    seeds: oneOf(env, 'SEEDS', ['auto', 'off'] as const, 'auto'),
  };
}
