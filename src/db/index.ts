import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.ts';

export type Db = BetterSQLite3Database<typeof schema>;

export interface Database {
  /** Drizzle over the connection: what the catalogue's functions take. */
  db: Db;
  /** The raw connection, for pragmas, user functions and backups. */
  sqlite: Sqlite.Database;
  /**
   * Statements executed through `db` since the database was opened, and a
   * listener told the SQL of each (tests and benchmarks read them).
   */
  readonly statements: { count: number; onQuery?: (sql: string) => void };
  close(): void;
}

/** Prepared statements kept per connection: every shape of query the API asks, many times over. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Makes `sqlite.prepare` return the statement it prepared before for the same
 * SQL (the least recently used is dropped past `size`), as Rails' SQLite
 * adapter and most drivers' statement caches do. Drizzle prepares every query
 * it runs, and preparing costs about as much as running a small query. A
 * statement handed out again is back in its default mode (objects, not raw
 * arrays); nothing here iterates a statement, so one is never busy when
 * handed out again.
 */
function reuseStatements(sqlite: Sqlite.Database, size: number): void {
  const cached = new Map<string, Sqlite.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    let statement = cached.get(source);
    if (statement) {
      cached.delete(source);
      if (statement.reader) statement.raw(false).pluck(false).expand(false);
    } else {
      statement = prepare(source);
      if (cached.size >= size) cached.delete(cached.keys().next().value!);
    }
    cached.set(source, statement);
    return statement;
  }) as typeof sqlite.prepare;
}

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/**
 * Opens (creating it if needed) the SQLite file and applies the pending
 * migrations. `:memory:` gives a private in-memory database.
 */
export function openDatabase(file: string): Database {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const database = connect(new Sqlite(file));
  migrate(database.db, { migrationsFolder });
  return database;
}

/** A read-only connection to a catalogue that openDatabase has opened and migrated. */
export function openReadOnly(file: string): Database {
  return connect(new Sqlite(file, { readonly: true, fileMustExist: true }));
}

function connect(sqlite: Sqlite.Database): Database {
  if (!sqlite.readonly) {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
  }
  sqlite.pragma('busy_timeout = 5000');
  // Reads straight from the page cache of the OS instead of copying pages: much
  // faster on a large catalogue (address space, not memory, is what it takes).
  sqlite.pragma('mmap_size = 1073741824');
  reuseStatements(sqlite, STATEMENT_CACHE_SIZE);
  const statements: Database['statements'] = { count: 0 };
  const database: Database = {
    db: undefined as unknown as Db,
    sqlite,
    statements,
    close: () => sqlite.close(),
  };
  database.db = drizzle(sqlite, {
    schema,
    logger: {
      logQuery: (sql) => {
        statements.count++;
        statements.onQuery?.(sql);
      },
    },
  });
  return database;
}
