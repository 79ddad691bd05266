// The catalogue on PostgreSQL, against a real server that this file starts
// (test/postgres.ts): the migrations of drizzle/pg, `npm run copy` from the
// seeded SQLite catalogue (with a subscription, its liked paper and its mail),
// counts and checksums read back, and search: every documented query finds
// the same papers with PostgreSQL's tsquery as with SQLite's FTS5.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchingArxivIds } from '../src/catalogue/pg-search.ts';
import { SearchSyntaxError, searchableWords, toMatchExpression } from '../src/catalogue/search-query.ts';
import { wordsStartingWith } from '../src/catalogue/search.ts';
import type { Database } from '../src/db/index.ts';
import { openPostgres, type PostgresDatabase } from '../src/db/postgres.ts';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { client, seededCatalogue } from './helpers.ts';
import { startPostgres, type PostgresServer } from './postgres.ts';
import { POSTGRESQL, skipReason } from './prerequisites.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const run = promisify(execFile);

/** `npm run copy -- …` as a user runs it: its exit status, stdout and stderr. */
async function copy(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/main.ts', 'copy', ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' } });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { status: code, stdout, stderr };
  }
}

/** Every table the catalogue has, as the SQLite file and the PostgreSQL database both name them. */
const TABLES = [
  'organizations', 'papers', 'authors', 'paper_authors', 'upvote_history', 'imports', 'meta', 'search_words', 'paper_terms', 'term_stats',
  'subscriptions', 'subscription_papers', 'subscription_tokens', 'outbox', 'mail_quota', 'sync_days', 'sync_runs', 'leases', 'digest_schedule',
];

/** The queries README's search table documents, and a few more of each kind. */
const DOCUMENTED = [
  'diffusion transformer',
  'models',
  '"world model"',
  'tokeniz*',
  'diffus* -video',
  'diffusion -video',
  'video OR audio',
  'title:agent',
  'abstract:benchmark',
  'author:"yann lecun"',
  'org:nvidia',
  'title:"large language" -abstract:survey',
  'GPT-4',
  '00s', // digits and letters: stemmed as on SQLite ("00s" finds "00")
];

const noPostgres = skipReason(POSTGRESQL);

describe.skipIf(noPostgres !== null)(`the catalogue on PostgreSQL${noPostgres ? ` (${noPostgres})` : ''}`, () => {
  let server: PostgresServer;
  let sqlite: Database;
  let target: PostgresDatabase;
  let copied: Awaited<ReturnType<typeof copy>>;
  /** The arXiv ids of the papers an FTS5 expression matches on SQLite. */
  const sqliteMatches = (expression: string): string[] =>
    (sqlite.sqlite.prepare('SELECT p.arxiv_id AS id FROM papers_fts JOIN papers p ON p.id = papers_fts.rowid WHERE papers_fts MATCH ?').all(expression) as { id: string }[]).map(
      (r) => r.id,
    );

  beforeAll(async () => {
    server = await startPostgres();
    sqlite = seededCatalogue();
    // A subscriber with a liked paper: subscriptions, their papers, tokens, quota and mail are copied too.
    const api = client(sqlite);
    const subscribed = await api.query(
      `mutation($liked: [ID!]) { subscribeToDigest(input: { email: "reader@example.org", period: WEEK, liked: $liked }) { ok } }`,
      { liked: [encodeGlobalID('Paper', '2310.05869')] },
    );
    expect(subscribed.errors).toBeUndefined();
    sqlite.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    copied = await copy(['--from', sqlite.sqlite.name, '--to', server.url]);
    target = await openPostgres(server.url);
  }, 120_000);

  afterAll(async () => {
    await target?.close();
    sqlite?.close();
    await server?.stop();
  });

  it('copies every table, and says so per table with its checksum', async () => {
    expect(copied.stderr).toBe('');
    expect(copied.status).toBe(0);
    for (const table of TABLES) {
      const { n: inSqlite } = sqlite.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number };
      const [{ n: inPostgres }] = (await target.db.execute<{ n: number }>(sql.raw(`SELECT count(*)::int AS n FROM ${table}`))).rows as [{ n: number }];
      expect(inPostgres, table).toBe(inSqlite);
      expect(copied.stdout).toMatch(new RegExp(`^${table} +${inSqlite} rows  sha256 [0-9a-f]{16}…  equal$`, 'mu'));
    }
    const nonEmpty = ['papers', 'authors', 'organizations', 'paper_authors', 'upvote_history', 'search_words', 'paper_terms', 'subscriptions', 'subscription_papers', 'outbox'];
    for (const table of nonEmpty) expect(copied.stdout, table).not.toMatch(new RegExp(`^${table} +0 rows`, 'mu'));
    expect(copied.stdout).toMatch(/^copied \d+ rows in 19 tables; every count and checksum equal$/mu);
  });

  it('gives every paper its weighted search vector, and new rows ids after the copied ones', async () => {
    // Every paper has a title (A), authors (B) and an abstract (D); those of an organization have C too.
    const [vectors] = (await target.db.execute<Record<string, number>>(sql`
      SELECT count(*) FILTER (WHERE search IS NULL)::int AS missing,
             count(*) FILTER (WHERE length(ts_filter(search, '{a}')) = 0)::int AS "noTitle",
             count(*) FILTER (WHERE length(ts_filter(search, '{b}')) = 0)::int AS "noAuthors",
             count(*) FILTER (WHERE length(ts_filter(search, '{d}')) = 0)::int AS "noAbstract",
             count(*) FILTER (WHERE organization_id IS NOT NULL AND length(ts_filter(search, '{c}')) = 0)::int AS "noOrganization"
      FROM papers`)).rows as [Record<string, number>];
    expect(vectors).toEqual({ missing: 0, noTitle: 0, noAuthors: 0, noAbstract: 0, noOrganization: 0 });
    const { n: largest } = sqlite.sqlite.prepare('SELECT max(id) AS n FROM papers').get() as { n: number };
    const [next] = (await target.db.execute<{ id: number }>(sql`SELECT nextval(pg_get_serial_sequence('papers', 'id'))::int AS id`)).rows as [{ id: number }];
    expect(next.id).toBe(largest + 1);
  });

  it('finds the same papers for every documented search as SQLite does', async () => {
    for (const query of DOCUMENTED) {
      const inSqlite = sqliteMatches(toMatchExpression(query, (prefix) => wordsStartingWith(sqlite.db, prefix)));
      const inPostgres = await matchingArxivIds(target.db, query);
      expect(inSqlite.length, query).toBeGreaterThan(0);
      expect(inPostgres.sort(), query).toEqual(inSqlite.sort());
    }
  });

  it('never fails on hostile input: what SQLite refuses it refuses, what SQLite finds it finds', async () => {
    const pieces = fc.constantFrom('"', '-', '*', ':', 'OR', 'AND', 'NOT', '(', ')', '{', '}', '^', '+', "'", '&', '|', '!', '<->', ':*', 'title:', 'author:', 'org:', ' ', 'diffusion', 'model', 'ü', '🙂', '\u0000', '\\');
    const queries = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.array(pieces, { maxLength: 12 }).map((p) => p.join('')));
    await fc.assert(
      fc.asyncProperty(queries, async (query) => {
        let expression: string;
        try {
          expression = toMatchExpression(query, (prefix) => wordsStartingWith(sqlite.db, prefix));
        } catch (error) {
          expect(error).toBeInstanceOf(SearchSyntaxError);
          await expect(matchingArxivIds(target.db, query)).rejects.toBeInstanceOf(SearchSyntaxError);
          return;
        }
        const found = await matchingArxivIds(target.db, query);
        // PostgreSQL's Porter stemmer shortens two-letter words ("us" to "u", "is" to "i"), FTS5's leaves
        // words under three letters as they are: a word that short may find more papers there.
        if ([...searchableWords(query)].some((word) => word.length <= 2)) expect(Array.isArray(found)).toBe(true);
        else expect(found.sort()).toEqual(sqliteMatches(expression).sort());
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a target that is not empty, and changes nothing', async () => {
    const counts = async () =>
      Promise.all(TABLES.map(async (table) => (await target.db.execute<{ n: number }>(sql.raw(`SELECT count(*)::int AS n FROM ${table}`))).rows[0]!.n));
    const before = await counts();
    const again = await copy(['--from', sqlite.sqlite.name, '--to', server.url]);
    expect(again.status).toBe(1);
    expect(again.stderr.trim()).toMatch(/^copy: the target database is not empty \(\d+ rows in organizations, \d+ rows in papers, .*\): copy into an empty database$/u);
    expect(await counts()).toEqual(before);
  });

  it('explains itself, and names what is wrong with its arguments', async () => {
    const help = await copy(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: .* copy --from <sqlite file> --to <postgres url>/u);
    const missing = await copy(['--from', sqlite.sqlite.name]);
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim()).toBe('copy: --to <postgres url> is required (see node --import tsx src/main.ts copy --help)');
    const notPostgres = await copy(['--from', sqlite.sqlite.name, '--to', 'mysql://u:secret@host/db']);
    expect(notPostgres.status).toBe(2);
    expect(notPostgres.stderr).not.toContain('secret');
    const unreachable = await copy(['--from', sqlite.sqlite.name, '--to', 'postgres://u:secret@127.0.0.1:1/db']);
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr.trim()).toMatch(/^cannot open the PostgreSQL database db on 127\.0\.0\.1:1: .*ECONNREFUSED/u);
    expect(unreachable.stderr).not.toContain('secret');
  });
});
