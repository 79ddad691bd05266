// A seeded catalogue of its own for each mail test, on the engine of the run
// (helpers.ts ENGINE): a copy of the seeded SQLite file, or on PostgreSQL a
// database made from a template that holds the seeded catalogue, copied
// into it once per file.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { sqliteReads, type CatalogueReads } from '../src/catalogue/catalogue.ts';
import { openCatalogue } from '../src/catalogue/index.ts';
import { postgresCatalogue } from '../src/catalogue/pg-catalogue.ts';
import { copyCatalogue } from '../src/db/copy.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { sqliteMailStore, type MailStore } from '../src/mail/mail-store.ts';
import { postgresMailStore } from '../src/mail/pg-mail-store.ts';
import { ENGINE, seededCatalogue } from './helpers.ts';

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

const urlOf = (name: string) => Object.assign(new URL(inject('postgresUrl')), { pathname: `/${name}` }).href;

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('postgresUrl') });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

let template: Promise<string> | undefined;

/** The seeded catalogue on PostgreSQL, made once per file, that each test's database is created from. */
function seededTemplate(): Promise<string> {
  template ??= (async () => {
    const name = `mail_template_${randomUUID().replaceAll('-', '')}`;
    await admin((client) => client.query(`CREATE DATABASE ${name}`));
    const postgres = await openPostgres(urlOf(name), { watch: false });
    const seeded = seededCatalogue();
    try {
      await copyCatalogue(seeded.db, postgres.db);
    } finally {
      seeded.close();
      await postgres.close();
    }
    return name;
  })();
  return template;
}

/** A database of its own, from the template: retried while the template's last connections are still closing. */
async function fromTemplate(name: string, source: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await admin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${source}`));
      return;
    } catch (error) {
      if (attempt === 20 || !/being accessed by other users/u.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
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
  const name = `mail_${randomUUID().replaceAll('-', '')}`;
  await fromTemplate(name, await seededTemplate());
  const url = urlOf(name);
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
    drop: () => admin((client) => client.query(`DROP DATABASE ${name} WITH (FORCE)`)).then(() => {}),
  };
}

/** How many rows a table has, on either engine. */
export async function countOf(catalogue: MailCatalogue, table: string): Promise<number> {
  const [row] = await catalogue.rows<{ n: number }>(`SELECT CAST(count(*) AS INTEGER) AS n FROM ${table}`);
  return row!.n;
}
