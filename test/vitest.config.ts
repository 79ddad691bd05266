import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

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
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
