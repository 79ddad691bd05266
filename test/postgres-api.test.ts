// The same API on PostgreSQL: the seeded catalogue copied into a real server
// that this file starts (test/postgres.ts), served through the one Catalogue
// interface, answers every query as SQLite answers it. Search ranks by
// ts_rank_cd on PostgreSQL and bm25 on SQLite: its scores and highlights are
// the engines' own, the papers it finds the same.
import { readFileSync } from 'node:fs';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_PG_MIGRATIONS } from '../src/db/readiness.ts';
import { loadConfig } from '../src/config.ts';
import { copyCatalogue } from '../src/db/copy.ts';
import type { Database } from '../src/db/index.ts';
import { CHANGES, openPostgres, type PostgresDatabase } from '../src/db/postgres.ts';
import { createApp, postgresServed, type App } from '../src/yoga.ts';
import { operation } from './arbitrary.ts';
import { seededCatalogue } from './helpers.ts';
import { startPostgres, type PostgresServer } from './postgres.ts';
import { POSTGRESQL, skipReason } from './prerequisites.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const README_QUERIES = [...readme.matchAll(/```graphql\n([\s\S]*?)```/gu)].map((m) => m[1]!);

const PAPER = 'arxivId title abstract publishedAt listedOn upvotes authorCount githubUrl githubStars projectUrl thumbnailUrl aiSummary aiKeywords commentCount url pdfUrl';
const PAGE = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount';

/** Lists in every order and filter, nested lists, lookups, digests and suggestions: answered alike on both engines. */
const QUERIES: [string, Record<string, unknown>?][] = [
  [`{ paper(arxivId: "2310.05869") { id ${PAPER} authors { id name accountName paperCount } organization { id slug name avatarUrl paperCount } upvoteHistory { date upvotes githubStars } trendingScore } }`],
  [`{ paper(arxivId: "0000.00000") { title } }`],
  [`{ papers(first: 30) { edges { cursor node { ${PAPER} } } ${PAGE} } }`],
  [`{ papers(last: 7, orderBy: { field: UPVOTES, direction: ASC }) { nodes { arxivId upvotes } ${PAGE} } }`],
  [`{ papers(first: 25, orderBy: { field: LISTED_ON, direction: DESC }, filter: { hasCode: true, minUpvotes: 10 }) { nodes { arxivId listedOn githubUrl } ${PAGE} } }`],
  [`{ papers(first: 20, filter: { organizations: ["nvidia", "google"], published: { from: "2025-01-01", to: "2026-03-31" }, hasCode: false }) { nodes { arxivId organization { slug } } ${PAGE} } }`],
  [`{ papers(first: 15, orderBy: { field: TRENDING }) { edges { score node { arxivId trendingScore(window: MONTH, asOf: "2026-05-01T00:00:00Z") } } ${PAGE} } }`],
  [`{ trendingPapers(window: ALL, first: 15) { edges { score node { arxivId upvotes } } } }`],
  [`{ trendingPapers(first: 20) { asOf window edges { score cursor node { arxivId title trendingScore authors { name } organization { name } } } ${PAGE} } }`],
  [`{ trendingPapers(window: DAY, first: 10) { edges { score node { arxivId } } } }`],
  [`{ trendingPapers(window: MONTH, first: 50, asOf: "2026-03-15T12:00:00Z") { edges { score node { arxivId upvoteHistory { date upvotes } } } } }`],
  [`{ organizations(first: 12) { nodes { slug name paperCount papers(first: 3, orderBy: { field: UPVOTES }) { nodes { arxivId upvotes authors { name } } totalCount } } ${PAGE} } }`],
  [`{ organizations(first: 10, orderBy: NAME) { edges { cursor node { slug name } } ${PAGE} } }`],
  [`{ organizations(query: "deep", first: 10) { nodes { slug name } totalCount } }`],
  [`{ organization(slug: "NVIDIA") { name paperCount papers(first: 40, filter: { hasCode: true }) { nodes { arxivId githubStars } ${PAGE} } } }`],
  [`{ authors(query: "yann l", first: 10) { nodes { name paperCount papers(first: 5) { nodes { arxivId } totalCount } } ${PAGE} } }`],
  [`{ authors(query: "zh", first: 20) { edges { cursor node { name paperCount } } ${PAGE} } }`],
  [`{ digest(period: WEEK, date: "2026-03-04") { period startDate endDate previous { startDate } next { startDate } papers(first: 100) { nodes { arxivId upvotes } ${PAGE} } } }`],
  [`{ digest(period: MONTH, date: "2025-12-15") { startDate previous { startDate } next { startDate } papers(first: 10) { nodes { arxivId } totalCount } } }`],
  [`{ digest(period: DAY) { startDate papers(first: 5) { nodes { arxivId aiKeywords } } } }`],
  [`query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Paper { arxivId } ... on Organization { slug } ... on Author { name } } }`, { ids: [encodeGlobalID('Paper', '2310.05869'), encodeGlobalID('Organization', 'nvidia'), encodeGlobalID('Paper', '1111.11111')] }],
  // Cursors of related papers hold their scores, which the engines' sums round apart in the last digit.
  [`{ paper(arxivId: "2310.05869") { related(first: 8) { edges { score node { arxivId } because { terms authors organization summary } } pageInfo { hasNextPage } totalCount } } }`],
  [`{ papers(first: 5, orderBy: { field: UPVOTES }) { nodes { arxivId related(first: 3) { nodes { arxivId } } } } }`],
  [`query($liked: [ID!]!) { recommendedPapers(liked: $liked, window: ALL, first: 10) { edges { node { arxivId } because { terms } } totalCount } }`, { liked: [encodeGlobalID('Paper', '2310.05869')] }],
];

/** Searches, compared by the papers they find: the ranking of RELEVANCE is the engine's own. */
const SEARCHES = ['diffusion transformer', '"world model"', 'tokeniz*', 'diffus* -video', 'video OR audio', 'title:agent', 'author:"yann lecun"', 'org:nvidia', 'GPT-4'];

/** An answer without what only one engine says: the request's cost, the score and the highlights of search edges. */
const comparable = (answer: unknown): unknown => JSON.parse(JSON.stringify(answer, (key, value) => (key === 'cost' ? undefined : value)));

/** Scores computed by each engine's floating point (SQL functions on PostgreSQL, JavaScript on SQLite) agree to 12 digits. */
function withScoresRounded(answer: unknown): unknown {
  return JSON.parse(JSON.stringify(answer, (key, value) => ((key === 'score' || key === 'trendingScore') && typeof value === 'number' ? Number(value.toPrecision(12)) : value)));
}

describe.skipIf(skipReason(POSTGRESQL))('the API on PostgreSQL', () => {
  let server: PostgresServer;
  let sqlite: Database;
  let postgres: PostgresDatabase;
  let onSqlite: App;
  let onPostgres: App;

  const post = async (app: App, query: string, variables?: Record<string, unknown>) =>
    (await (await app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) })).json()) as {
      data?: any;
      errors?: unknown[];
    };

  beforeAll(async () => {
    server = await startPostgres();
    sqlite = seededCatalogue();
    postgres = await openPostgres(server.url);
    await copyCatalogue(sqlite.db, postgres.db);
    onSqlite = createApp(sqlite);
    onPostgres = createApp(postgresServed(postgres));
  }, 120_000);

  afterAll(async () => {
    await postgres?.close();
    sqlite?.close();
    await server?.stop();
  });

  it.each(README_QUERIES.map((query, i) => [i + 1, query] as const))('answers README example %i as SQLite does', async (_n, query) => {
    const [a, b] = [await post(onSqlite, query), await post(onPostgres, query)];
    const searched = /searchPapers/u.test(query);
    if (!searched) return expect(withScoresRounded(comparable(b))).toEqual(withScoresRounded(comparable(a)));
    expect(b.errors).toBeUndefined();
    const found = (answer: typeof a) => JSON.stringify(answer.data, (key, value) => (['score', 'titleHighlight', 'abstractSnippet', 'cost'].includes(key) ? undefined : value));
    expect(found(b)).toEqual(found(a));
  });

  it.each(QUERIES.map(([query, variables], i) => [i + 1, query, variables] as const))('answers query %i as SQLite does', async (_n, query, variables) => {
    const a = await post(onSqlite, query, variables);
    expect(a.errors).toBeUndefined();
    expect(withScoresRounded(comparable(await post(onPostgres, query, variables)))).toEqual(withScoresRounded(comparable(a)));
  });

  it.each(SEARCHES)('finds the papers SQLite finds for %s, in every order, with highlights HTML-escaped', async (text) => {
    const query = `query($q: String!, $order: SearchOrder, $after: String) { searchPapers(query: $q, orderBy: $order, first: 100, after: $after) {
      edges { score titleHighlight abstractSnippet node { arxivId title } } totalCount pageInfo { hasNextPage endCursor } } }`;
    const all = async (app: App, order: string) => {
      const found: { arxivId: string; title: string }[] = [];
      let after: string | null = null;
      let total = 0;
      let edges: { score: number; titleHighlight: string; abstractSnippet: string; node: { arxivId: string; title: string } }[] = [];
      do {
        const { data, errors } = await post(app, query, { q: text, order, after });
        expect(errors).toBeUndefined();
        const page = data.searchPapers;
        edges = edges.concat(page.edges);
        found.push(...page.edges.map((e: { node: { arxivId: string; title: string } }) => e.node));
        total = page.totalCount;
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      expect(found.length).toBe(total);
      return { ids: found.map((p) => p.arxivId), edges };
    };
    for (const order of ['UPVOTES', 'PUBLISHED_AT']) {
      const found = await all(onPostgres, order);
      expect(found.ids).toEqual((await all(onSqlite, order)).ids);
      // Every edge says how well it matched, whatever the order.
      expect(found.edges.every((e) => e.score > 0)).toBe(true);
    }
    const [a, b] = [await all(onSqlite, 'RELEVANCE'), await all(onPostgres, 'RELEVANCE')];
    expect(new Set(b.ids)).toEqual(new Set(a.ids));
    expect(b.ids.length).toBeGreaterThan(0);
    // Best first, each paper once; the title shown is the title, escaped, with the matches marked.
    expect(b.edges.map((e) => e.score)).toEqual(b.edges.map((e) => e.score).sort((x, y) => y - x));
    expect(new Set(b.ids).size).toBe(b.ids.length);
    const escape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
    for (const edge of b.edges) {
      expect(edge.titleHighlight.replaceAll('<mark>', '').replaceAll('</mark>', '')).toBe(escape(edge.node.title));
      expect(edge.abstractSnippet.replaceAll(/<\/?mark>/gu, '')).not.toMatch(/[<>]/u);
    }
    // A match in the authors or the organization marks neither the title nor the abstract.
    if (!/^(author|org):/u.test(text)) expect(b.edges.some((e) => e.titleHighlight.includes('<mark>') || e.abstractSnippet.includes('<mark>'))).toBe(true);
  });

  it('answers arbitrary requests without a 5xx or an internal error, refusing what SQLite refuses', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(), async (seed) => {
        const { query, variables } = operation(seed);
        const send = (app: App) => app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
        const [a, b] = [await send(onSqlite), await send(onPostgres)];
        expect(b.status, query).toBeLessThan(500);
        const codes = async (response: Response) => ((await response.json()) as { errors?: { extensions?: { code?: string } }[] }).errors?.map((e) => e.extensions?.code) ?? [];
        const [onA, onB] = [await codes(a), await codes(b)];
        expect(onB, query).not.toContain('INTERNAL_SERVER_ERROR');
        // Mutations are refused on PostgreSQL (digests by email are SQLite's); queries meet the same checks.
        // Where several fields are wrong, a synchronous execution stops at the first error that nulls the
        // whole answer and an asynchronous one has started the others (graphql-js): the kinds of errors agree.
        if (!query.startsWith('mutation')) {
          expect(b.status, query).toBe(a.status);
          expect(new Set(onB), query).toEqual(new Set(onA));
          compared++;
        }
      }),
      { numRuns: 300, seed: Number(process.env.FUZZ_SEED ?? 20261203) },
    );
    expect(compared).toBeGreaterThan(150);
  });

  it('refuses what SQLite refuses, with the same error', async () => {
    for (const query of [
      '{ searchPapers(query: "-video") { totalCount } }',
      '{ searchPapers(query: "\\"\\"") { totalCount } }',
      '{ papers(first: 101) { totalCount } }',
      '{ papers(after: "nope") { totalCount } }',
      '{ authors(query: "!!") { totalCount } }',
      '{ paper(arxivId: "nope") { title } }',
      // Costed by the catalogue's counts, read from PostgreSQL before the measure: the words a* starts, the most authors a paper has.
      '{ searchPapers(query: "a* b*") { totalCount } }',
      '{ papers(first: 10) { nodes { authors { papers(first: 50) { nodes { title } } } } } }',
    ]) {
      const refused = await post(onSqlite, query);
      // Each is refused (a bug that let both engines answer would otherwise pass unseen).
      expect(refused.errors, query).toBeDefined();
      expect(comparable(await post(onPostgres, query))).toEqual(comparable(refused));
    }
    expect((await post(onPostgres, '{ searchPapers(query: "a* b*") { totalCount } }')).errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'QUERY_TOO_COSTLY' }) })]);
  });

  it('answers the feeds and the daily-papers API byte for byte as SQLite does', async () => {
    for (const path of [
      '/feeds/weekly.atom',
      '/feeds/monthly.atom?organization=nvidia&q=diffusion',
      '/feeds/daily.atom?liked=2310.05869',
      '/feeds/weekly.atom?date=2026-03-04&q=model',
      '/api/daily_papers?date=2026-03-04',
      '/api/daily_papers?week=2026-W10&sort=publishedAt&limit=7&p=1',
      '/api/papers/2310.05869',
    ]) {
      const [a, b] = [await onSqlite.fetch(`http://test${path}`), await onPostgres.fetch(`http://test${path}`)];
      expect(b.status).toBe(a.status);
      expect(a.status).toBe(200);
      expect(await b.text()).toBe(await a.text());
    }
  });

  it('reads a page and its nested lists in as many statements whatever the page size', async () => {
    const counted = async (first: number) => {
      const before = postgres.statements.count;
      const { errors } = await post(onPostgres, `{ papers(first: ${first}, orderBy: { field: UPVOTES }) { nodes { abstract authors { name papers(first: 2) { nodes { title } } } organization { name } upvoteHistory { upvotes } } totalCount } }`);
      expect(errors).toBeUndefined();
      return postgres.statements.count - before;
    };
    const [few, many] = [await counted(2), await counted(30)];
    expect(many).toBe(few);
    // The latest listing day, the page, the texts, the authors, their papers, the organizations, the histories, the count.
    expect(few).toBeLessThanOrEqual(8);
  });

  it('is ready when migrated', async () => {
    const ready = await onPostgres.fetch('http://test/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', migrations: SHIPPED_PG_MIGRATIONS });
  });

  it('serves its cached answer until another process changes the catalogue, then the new one', async () => {
    const config = loadConfig({ RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent', EXECUTION_THREADS: '0', RESPONSE_CACHE_TTL_MS: '600000' });
    const cached = createApp(postgresServed(postgres), { config });
    const title = async () => (await post(cached, '{ paper(arxivId: "2310.05869") { title } }')).data.paper.title as string;
    const original = await title();
    const other = await openPostgres(server.url, { watch: false });
    try {
      // A change without a notice is not seen: the cached answer stands (what a writer that does not notify gets).
      await other.db.execute(sql`UPDATE papers SET title = 'Changed quietly' WHERE arxiv_id = '2310.05869'`);
      expect(await title()).toBe(original);
      // A writer notifies in its transaction, as copy, import and sync do.
      await other.db.transaction(async (tx) => {
        await tx.execute(sql`UPDATE papers SET title = 'Changed and said so' WHERE arxiv_id = '2310.05869'`);
        await tx.execute(sql.raw(`NOTIFY ${CHANGES}`));
      });
      await expect.poll(title).toBe('Changed and said so');
    } finally {
      await other.db.transaction(async (tx) => {
        await tx.execute(sql`UPDATE papers SET title = ${original} WHERE arxiv_id = '2310.05869'`);
        await tx.execute(sql.raw(`NOTIFY ${CHANGES}`));
      });
      await other.close();
    }
  });
});
