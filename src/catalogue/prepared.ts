// Statements of a fixed shape are built and prepared once per database and
// reused by every request: building SQL and preparing it cost more than
// running these small queries. Lists of ids go in as one JSON parameter.
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import type { Bind } from './keyset.ts';

const cache = new WeakMap<Db, Map<string, unknown>>();

/** The statement `name` of this database, built by `build` the first time. */
export function prepared<T>(db: Db, name: string, build: () => T): T {
  let statements = cache.get(db);
  if (!statements) cache.set(db, (statements = new Map()));
  let statement = statements.get(name) as T | undefined;
  if (statement === undefined) statements.set(name, (statement = build()));
  return statement;
}

/** `column IN (the values of the JSON array bound to placeholder `name`)`. */
export const inJsonList = (column: SQL | import('drizzle-orm').Column, name: string): SQL =>
  sql`${column} IN (SELECT value FROM json_each(${sql.placeholder(name)}))`;

/**
 * Rows by key, in a statement prepared once for a single key and once for
 * several: `column = ?` for one (a lookup by arXiv id, and its authors), the
 * keys as one JSON array otherwise. json_each costs SQLite about 2 µs a
 * statement, a sixth of such a lookup's. (A class: no closure made per call.)
 */
class Keys {
  /** What of the keys changes the SQL, for the statement's name. */
  readonly shape: 'one' | 'many';
  readonly params: { key: unknown } | { keys: string };

  constructor(keys: readonly unknown[]) {
    this.shape = keys.length === 1 ? 'one' : 'many';
    this.params = keys.length === 1 ? { key: keys[0] } : { keys: JSON.stringify(keys) };
  }

  where(column: SQL | import('drizzle-orm').Column): SQL {
    return this.shape === 'one' ? sql`${column} = ${sql.placeholder('key')}` : inJsonList(column, 'keys');
  }
}

export const byKeys = (keys: readonly unknown[]): Keys => new Keys(keys);

/** A Bind that names placeholders and collects their values, for a statement prepared once per shape of query. */
export function placeholders(): { bind: Bind; params: Record<string, unknown> } {
  const params: Record<string, unknown> = {};
  const bind: Bind = (name, value) => {
    params[name] = value;
    return sql.placeholder(name);
  };
  return { params, bind };
}
