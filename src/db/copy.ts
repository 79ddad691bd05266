// `npm run copy -- --from <sqlite file> --to <postgres url>`: moves a whole
// catalogue, subscriptions and mail included, from SQLite to an empty
// PostgreSQL database in one transaction, then reads every table back and
// compares its row count and checksum with the source's; any difference rolls
// the whole copy back.
import { createHash } from 'node:crypto';
import { asc, getTableColumns, getTableName, sql, type Column } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from './index.ts';
import * as pgSchema from './pg-schema.ts';
import { CHANGES, LOCKS, type PgDb } from './postgres.ts';
import * as sqliteSchema from './schema.ts';

/** The tables in an order that satisfies their foreign keys, each by its primary key's columns. */
const TABLES = [
  ['organizations', ['id']],
  ['papers', ['id']],
  ['authors', ['id']],
  ['paperAuthors', ['paperId', 'authorId']],
  ['upvoteHistory', ['paperId', 'date']],
  ['imports', ['id']],
  ['meta', ['key']],
  ['searchWords', ['word']],
  ['paperTerms', ['paperId', 'term']],
  ['termStats', ['term']],
  ['subscriptions', ['id']],
  ['subscriptionPapers', ['subscriptionId', 'paperId']],
  ['subscriptionTokens', ['hash']],
  ['outbox', ['id']],
  ['mailQuota', ['id']],
  ['syncDays', ['date']],
  ['syncRuns', ['id']],
  ['leases', ['name']],
  ['digestSchedule', ['period', 'start']],
] as const satisfies readonly (readonly [keyof typeof sqliteSchema & keyof typeof pgSchema, readonly string[]])[];

/** A table's columns as the SQLite schema lists them: what is copied and checksummed (not PostgreSQL's own `search`). */
const copiedColumns = (name: (typeof TABLES)[number][0]): string[] => Object.keys(getTableColumns(sqliteSchema[name] as SQLiteTable));

/** The tables whose `id` new rows take from a sequence: it continues after the rows copied. */
const IDENTITY_TABLES = ['organizations', 'papers', 'authors', 'imports', 'subscriptions', 'outbox', 'mail_quota', 'sync_runs'];

/** PostgreSQL takes at most 65,535 parameters in one statement. */
const MAX_PARAMETERS = 60_000;

export interface CopiedTable {
  table: string;
  rows: number;
  /** SHA-256 over the rows in primary-key order, equal on both sides. */
  checksum: string;
}

export class CopyError extends Error {}

type Row = Record<string, unknown>;

/** A table's checksum: each row's values in column order, as JSON, one line each. */
function checksumOf(rows: Row[], keys: string[]): string {
  const hash = createHash('sha256');
  for (const row of rows) hash.update(`${JSON.stringify(keys.map((key) => row[key] ?? null))}\n`);
  return hash.digest('hex');
}

const ordered = (table: SQLiteTable | PgTable, primaryKey: readonly string[]) =>
  primaryKey.map((key) => asc((getTableColumns(table) as Record<string, Column>)[key]!));

/**
 * Copies every table of the SQLite catalogue `from` into the empty, migrated
 * PostgreSQL database `to`, rebuilds the search vectors and moves the id
 * sequences on, then checks each table's count and checksum. Throws CopyError
 * (and changes nothing) when the target is not empty or a table differs.
 */
export async function copyCatalogue(from: Db, to: PgDb): Promise<CopiedTable[]> {
  return to.transaction(async (tx) => {
    // One copy at a time into a database (two instances seeding it on their first start): the second then finds it full.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${LOCKS.copy})`);
    const occupied: string[] = [];
    for (const [name] of TABLES) {
      const [{ n }] = (await tx.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM ${pgSchema[name]}`)).rows as [{ n: number }];
      if (n > 0) occupied.push(`${n} rows in ${getTableName(pgSchema[name])}`);
    }
    if (occupied.length > 0) throw new CopyError(`the target database is not empty (${occupied.join(', ')}): copy into an empty database`);

    const copied: CopiedTable[] = [];
    for (const [name, primaryKey] of TABLES) {
      const source = sqliteSchema[name] as SQLiteTable;
      const target = pgSchema[name] as PgTable;
      const keys = copiedColumns(name);
      const rows = from.select().from(source).orderBy(...ordered(source, primaryKey)).all() as Row[];
      const chunk = Math.max(1, Math.floor(MAX_PARAMETERS / keys.length));
      for (let i = 0; i < rows.length; i += chunk) await tx.insert(target).values(rows.slice(i, i + chunk) as never);
      copied.push({ table: getTableName(target), rows: rows.length, checksum: checksumOf(rows, keys) });
    }
    // Statistics first: without them the planner reads every paper's authors by hashing the whole
    // authors table, and the search vectors took four times as long to write (test/bench/README.md).
    await tx.execute(sql`ANALYZE`);
    await tx.execute(sql`SELECT refresh_paper_search(array_agg(id)) FROM papers`);
    // And of the vectors just written, which the planner would otherwise take for all null until autovacuum analyses papers.
    await tx.execute(sql`ANALYZE papers`);
    for (const table of IDENTITY_TABLES) {
      await tx.execute(sql.raw(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), coalesce((SELECT max(id) FROM ${table}), 0) + 1, false)`));
    }

    // Read back: the same rows, in the same order, give the same checksum.
    for (const [i, [name, primaryKey]] of TABLES.entries()) {
      const target = pgSchema[name] as PgTable;
      const keys = copiedColumns(name);
      const columns = Object.fromEntries(keys.map((key) => [key, (getTableColumns(target) as Record<string, PgColumn>)[key]!]));
      const rows = (await tx.select(columns).from(target).orderBy(...ordered(target, primaryKey))) as Row[];
      const expected = copied[i]!;
      const checksum = checksumOf(rows, keys);
      if (rows.length !== expected.rows || checksum !== expected.checksum) {
        throw new CopyError(
          `${expected.table}: ${rows.length} rows read back for ${expected.rows} copied` +
            (rows.length === expected.rows ? ', with a different checksum' : '') +
            '; nothing was copied',
        );
      }
    }
    // Servers on this database drop their caches when the copy commits.
    await tx.execute(sql.raw(`NOTIFY ${CHANGES}`));
    return copied;
  });
}

