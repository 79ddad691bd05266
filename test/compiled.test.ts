// Compiled queries (src/graphql/compiled.ts): the same bytes as graphql-js
// gives, for answers and for errors, on the real schema and catalogue.
import { execute, parse, type ExecutionResult } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { compiledQueries, type CompiledStats } from '../src/graphql/compiled.ts';
import { sqliteCatalogue } from '../src/catalogue/catalogue.ts';
import { createContext } from '../src/graphql/context.ts';
import { schema } from '../src/graphql/schema.ts';
import { seededCatalogue } from './helpers.ts';
import { sqliteMailStore } from '../src/mail/mail-store.ts';

const database = seededCatalogue();
const mail = { publicUrl: 'http://127.0.0.1:4000', nudge: () => {} };
const yoga = (plugins: Parameters<typeof createYoga>[0]['plugins']) =>
  createYoga({ schema, context: () => createContext(sqliteCatalogue(database), sqliteMailStore(database.db), mail), logging: false, landingPage: false, plugins });

const stats: CompiledStats = { compiled: 0, notCompiled: 0, badVariables: 0, redoneForErrors: 0 };
const compiled = yoga([compiledQueries(stats)]);
const interpreted = yoga([]);

async function both(query: string, variables?: Record<string, unknown>) {
  const ask = async (app: typeof compiled) => {
    const response = await app.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return `${response.status} ${await response.text()}`;
  };
  return { compiled: await ask(compiled), interpreted: await ask(interpreted) };
}

const QUERIES: [string, string, Record<string, unknown>?][] = [
  ['trending with authors and organization', '{ trendingPapers(first: 20) { totalCount pageInfo { hasNextPage endCursor } nodes { arxivId title upvotes trendingScore listedOn authors { name paperCount } organization { name slug } } } }'],
  ['a paper by id, with aliases and a fragment', 'query P($id: String!) { a: paper(arxivId: $id) { ...f } b: paper(arxivId: "2509.21043") { ...f aiKeywords } none: paper(arxivId: "1111.11111") { title } } fragment f on Paper { arxivId publishedAt url pdfUrl authorCount authors { name accountName } }', { id: '2310.05869v2' }],
  ['an organization with nested pages and skip/include', 'query O($slug: String!, $more: Boolean!) { organization(slug: $slug) { name paperCount papers(first: 5, orderBy: { field: UPVOTES, direction: DESC }) { edges { cursor node { arxivId upvotes authors @include(if: $more) { name papers(first: 2) { totalCount nodes { arxivId } } } } } } } }', { slug: 'nvidia', more: true }],
  ['digests', '{ day: digest(period: DAY) { startDate endDate papers(first: 3) { totalCount nodes { arxivId } } } month: digest(period: MONTH, date: "2023-10-15") { startDate papers(first: 5) { nodes { arxivId title } } } }'],
  ['a search with highlights', '{ searchPapers(query: "Kolmogorov", first: 5) { totalCount edges { score titleHighlight abstractSnippet node { arxivId organization { name } } } } }'],
  ['organizations with their top paper, and the Node interface', '{ organizations(first: 5) { nodes { id slug paperCount papers(first: 1, orderBy: { field: UPVOTES }) { nodes { id arxivId } } } } }'],
  ['typename and skip', 'query T($skip: Boolean = true) { __typename trendingPapers(first: 2) { nodes { __typename arxivId title @skip(if: $skip) } } }'],
];

describe('compiled queries', () => {
  it.each(QUERIES)('answer %s byte for byte as graphql-js does', async (_name, query, variables) => {
    const before = stats.compiled;
    const answers = await both(query, variables);
    expect(answers.compiled).toMatch(/^200 \{"data":/u);
    expect(answers.compiled).toBe(answers.interpreted);
    expect(stats.compiled).toBe(before + 1);
  });

  it('leave errors to graphql-js: bad arguments, bad variables and nulls read exactly as before', async () => {
    const cases: [string, Record<string, unknown>?][] = [
      ['{ papers(first: 500) { totalCount } }'],
      ['query P($id: String!) { paper(arxivId: $id) { title } }', { id: 42 }],
      ['query P($id: String!) { paper(arxivId: $id) { title } }', {}],
      ['{ paper(arxivId: "not an id") { title } }'],
      ['{ ok: paper(arxivId: "2310.05869") { title } bad: papers(first: 0) { totalCount } }'],
      ['{ searchPapers(query: "   ") { totalCount } }'],
    ];
    const before = { ...stats };
    for (const [query, variables] of cases) {
      const answers = await both(query, variables);
      expect(answers.compiled).toMatch(/"errors":/u);
      expect(answers.compiled).toBe(answers.interpreted);
    }
    expect(stats.badVariables - before.badVariables).toBe(2);
    expect(stats.redoneForErrors - before.redoneForErrors).toBe(4);
  });

  it('leave mutations and introspection to graphql-js', async () => {
    const before = stats.notCompiled;
    const introspection = await both('{ __schema { queryType { name } } __type(name: "Paper") { fields { name } } }');
    expect(introspection.compiled).toBe(introspection.interpreted);
    const mutation = await both('mutation { confirmDigestSubscription(token: "x") { ok } }');
    expect(mutation.compiled).toBe(mutation.interpreted);
    expect(stats.notCompiled - before).toBe(2);
  });
});

describe('reads', () => {
  // Lists, lookups, authors, organizations and nested pages all load together
  // with their siblings (src/graphql/siblings.ts) rather than through a
  // DataLoader: no promise anywhere, so Yoga's pipeline stays synchronous.
  it.each(QUERIES)('of %s execute without waiting, and answer as graphql-js does', async (_name, query, variables) => {
    const document = parse(query);
    const compiledQuery = compileQuery(schema, document);
    if (!isCompiledQuery(compiledQuery)) throw new Error('not compiled');
    const result = compiledQuery.query(undefined, createContext(sqliteCatalogue(database), sqliteMailStore(database.db), mail), variables ?? {});
    expect(typeof (result as Promise<unknown>).then).toBe('undefined');
    expect((result as ExecutionResult).errors).toBeUndefined();
    const expected = await execute({ schema, document, contextValue: createContext(sqliteCatalogue(database), sqliteMailStore(database.db), mail), variableValues: variables });
    expect(JSON.stringify(result)).toBe(JSON.stringify(expected));
  });
});
