import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { postgresBinaries } from './prerequisites.ts';

/** The API's test files that run again on PostgreSQL: every answer they check, given by the other engine. */
const ON_BOTH_ENGINES = ['graphql-browse', 'graphql-papers', 'graphql-trending', 'daily-papers-api', 'feeds', 'mail', 'mail-abuse', 'graphql-api', 'search', 'related', 'limits', 'admission'].map((name) => `test/${name}.test.ts`);

export default defineConfig({
  // This file lives in test/ to keep the top level of the project short.
  root: fileURLToPath(new URL('..', import.meta.url)),
  resolve: {
    // graphql 16 ships CommonJS (main) and ESM (module) builds. Node loads the
    // CommonJS one for graphql-yoga; Vite would give our sources the ESM one,
    // and two copies of GraphQLError break instanceof checks (error masking).
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'], globalSetup: ['test/global-setup.ts'] } },
      // Without PostgreSQL's binaries, prerequisites.ts has said so in one line; the files that need it skip.
      ...(postgresBinaries()
        ? [{ extends: true as const, test: { name: 'postgres', include: ON_BOTH_ENGINES, env: { TEST_ENGINE: 'postgres' }, globalSetup: ['test/global-setup.ts', 'test/postgres-setup.ts'] } }]
        : []),
    ],
  },
});
