import { copyFileSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { expect, inject } from 'vitest';
import { openCatalogue, type Database } from '../src/catalogue/index.ts';
import { createApp, type App, type AppOptions } from '../src/yoga.ts';


/** A folder of this test run, removed when the run ends. */
export function scratchFolder(): string {
  return mkdtempSync(path.join(inject('runFolder'), 'scratch-'));
}

/** A private copy of the catalogue built from the bundled seeds by global-setup. */
export function seededCatalogue(): Database {
  const file = path.join(scratchFolder(), 'catalogue.db');
  copyFileSync(path.join(inject('runFolder'), 'seeded.db'), file);
  return openCatalogue(file);
}

export interface GraphQLResponse<T = Record<string, any>> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: (string | number)[] }[];
}

/** The whole server, in-process: POST /graphql through yoga.fetch. */
export function client(database: Database = seededCatalogue(), options?: AppOptions) {
  const app: App = createApp(database, options);
  return {
    app,
    database,
    async query<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
      const response = await app.fetch('http://test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<T>;
    },
    /** Runs a query that must succeed and returns its data. */
    async data<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const result = await this.query<T>(query, variables);
      expect(result.errors).toBeUndefined();
      return result.data!;
    },
    /** Statements executed while `run` ran. */
    async statements(run: () => Promise<unknown>): Promise<number> {
      return (await this.sql(run)).length;
    },
    /** The SQL of the statements executed while `run` ran. */
    async sql(run: () => Promise<unknown>): Promise<string[]> {
      const seen: string[] = [];
      database.statements.onQuery = (sql) => seen.push(sql);
      try {
        await run();
      } finally {
        database.statements.onQuery = undefined;
      }
      return seen;
    },
  };
}

/**
 * The arXiv ids of every node of a connection field (searchPapers,
 * recommendedPapers…), page after page of 100, asked through `data`:
 * `declared` are the variables `args` uses.
 */
export async function allArxivIds(
  data: (query: string, variables: Record<string, unknown>) => Promise<any>,
  field: string,
  declared: string,
  args: string,
  variables: Record<string, unknown>,
): Promise<string[]> {
  const found: string[] = [];
  let after: string | null = null;
  do {
    const { page } = (await data(`query ($after: String, ${declared}) { page: ${field}(${args}, first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { arxivId } } } }`, { ...variables, after })) as {
      page: { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { arxivId: string } }[] };
    };
    found.push(...page.edges.map((e) => e.node.arxivId));
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  return found;
}
