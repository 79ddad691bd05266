// A seeded catalogue of its own for each mail test, on the engine of the run
// (helpers.ts ENGINE): a copy of the seeded SQLite file, or on PostgreSQL a
// database made from the run's template of the seeded catalogue.
import pg from 'pg';
import { sqliteReads, type CatalogueReads } from '../src/catalogue/catalogue.ts';
import { openCatalogue } from '../src/catalogue/index.ts';
import { postgresCatalogue } from '../src/catalogue/pg-catalogue.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { sqliteMailStore, type MailStore } from '../src/mail/mail-store.ts';
import { postgresMailStore } from '../src/mail/pg-mail-store.ts';
import { dropPostgresDatabase, ENGINE, seededCatalogue, seededPostgresDatabase } from './helpers.ts';

export interface MailCatalogue {
  /** Where the server and the commands find it: DATABASE_PATH, or DATABASE_URL. */
  env: Record<string, string>;
  /** The rows of one statement, `?` for its parameters, on either engine. */
  rows<T = Record<string, unknown>>(statement: string, ...params: unknown[]): Promise<T[]>;
  /** The mail store and the catalogue, opened for `use` and closed after. */
  open<T>(use: (store: MailStore, catalogue: CatalogueReads) => Promise<T>): Promise<T>;
  /** Removes it (a PostgreSQL database is dropped). */
  drop(): Promise<void>;
}

export async function mailCatalogue(): Promise<MailCatalogue> {
  if (ENGINE === 'sqlite') {
    const seeded = seededCatalogue();
    const file = seeded.sqlite.name;
    seeded.close();
    const opened = <T>(use: (database: ReturnType<typeof openCatalogue>) => T): T => {
      const database = openCatalogue(file);
      try {
        return use(database);
      } finally {
        database.close();
      }
    };
    return {
      env: { DATABASE_PATH: file },
      rows: async (statement, ...params) => opened((database) => database.sqlite.prepare(statement).all(...params) as never[]),
      open: async (use) => {
        const database = openCatalogue(file);
        try {
          return await use(sqliteMailStore(database.db), sqliteReads(database.db));
        } finally {
          database.close();
        }
      },
      drop: async () => {},
    };
  }
  const url = await seededPostgresDatabase('mail');
  return {
    env: { DATABASE_URL: url },
    async rows(statement, ...params) {
      let n = 0;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(statement.replaceAll('?', () => `$${++n}`), params)).rows;
      } finally {
        await client.end();
      }
    },
    async open(use) {
      const postgres = await openPostgres(url, { max: 2, watch: false });
      try {
        return await use(postgresMailStore(postgres), postgresCatalogue(postgres));
      } finally {
        await postgres.close();
      }
    },
    drop: () => dropPostgresDatabase(url),
  };
}

/** How many rows a table has, on either engine. */
export async function countOf(catalogue: MailCatalogue, table: string): Promise<number> {
  const [row] = await catalogue.rows<{ n: number }>(`SELECT CAST(count(*) AS INTEGER) AS n FROM ${table}`);
  return row!.n;
}
