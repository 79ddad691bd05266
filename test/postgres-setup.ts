// The "postgres" project's global setup (test/vitest.config.ts): one
// PostgreSQL server for the run, in which each API test file's client makes
// a database of its own (helpers.ts), stopped at the end; a template of the
// seeded catalogue, copied once, that those databases are made from.
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openCatalogue } from '../src/catalogue/index.ts';
import { copyCatalogue } from '../src/db/copy.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { startPostgres } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    /** A database holding the seeded catalogue, that a test's own database is made from (CREATE DATABASE … TEMPLATE). */
    postgresSeeded: string;
  }
}

export const SEEDED_TEMPLATE = 'seeded_template';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  try {
    // The seeded catalogue of global-setup.ts, copied once for the run.
    const template = await openPostgres(await server.createDatabase(SEEDED_TEMPLATE), { watch: false });
    const seeded = openCatalogue(path.join(project.getProvidedContext().runFolder, 'seeded.db'));
    try {
      await copyCatalogue(seeded.db, template.db);
      // Left with nothing for autovacuum to do: every CREATE DATABASE … TEMPLATE ends an autovacuum
      // of the template, and the databases made before and after one would differ (dead rows, statistics).
      await template.pool.query('VACUUM (ANALYZE)');
    } finally {
      seeded.close();
      await template.close();
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  project.provide('postgresUrl', server.url);
  project.provide('postgresSeeded', SEEDED_TEMPLATE);
  return () => server.stop();
}
