import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` makes the SQLite migrations (drizzle/);
// `npm run db:generate:pg` the PostgreSQL ones (drizzle/pg/), from the twin schema.
export default process.env.DRIZZLE_DIALECT === 'postgresql'
  ? defineConfig({
      dialect: 'postgresql',
      schema: './src/db/pg-schema.ts',
      out: './drizzle/pg',
      dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://localhost/catalogue' },
    })
  : defineConfig({
      dialect: 'sqlite',
      schema: './src/db/schema.ts',
      out: './drizzle',
      dbCredentials: { url: process.env.DATABASE_PATH ?? './data/catalogue.db' },
    });
