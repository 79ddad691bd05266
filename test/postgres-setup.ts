// The "postgres" project's global setup (test/vitest.config.ts): one
// PostgreSQL server for the run, in which each API test file's client makes
// a database of its own (helpers.ts), stopped at the end.
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}
