// The import's statements on PostgreSQL (store.ts writes the merge once, for
// both engines), on one connection of the pool, in transactions of its own:
// one import at a time across every process on the database (an advisory
// lock), nested transactions as savepoints (a dry run holds the files'), and
// every instance's response caches dropped when one commits (NOTIFY).
// The search vector of a paper is written here by refresh_paper_search
// (drizzle/pg/0001_search.sql), where SQLite's triggers keep its FTS table.
import type { PoolClient } from 'pg';
import { CHANGES, LOCKS, type PostgresDatabase } from '../db/postgres.ts';
import { log } from '../log.ts';
import { importEach, type FileOutcome, type ImportOptions, type ImportSummary } from '../ingest/importer.ts';
import { answer, runLater, type Steps } from './steps.ts';
import { catalogueWriter, COLUMNS, type CatalogueWriter, type PaperColumns, type StoredPaper, type WriteStatements } from './store.ts';
import type { TermStatements } from './terms.ts';

/** The rows of a statement, as it names them. */
type Query = <R = any>(text: string, values?: unknown[]) => Promise<R[]>;

/** A paper's columns as PostgreSQL stores them: `listed` is a boolean there. */
const valuesOf = (columns: PaperColumns): unknown[] => COLUMNS.map((c) => (c === 'listed' ? columns.listed === 1 : columns[c]));
const SELECTED = COLUMNS.map((c) => (c === 'listed' ? 'listed::int AS listed' : c)).join(', ');
const PLACEHOLDERS = (from: number) => COLUMNS.map((_, i) => `$${from + i}`).join(', ');

const first = async <R>(rows: Promise<R[]>): Promise<R | undefined> => (await rows)[0];
const idOf = async (rows: Promise<{ id: number }[]>): Promise<number> => (await rows)[0]!.id;
const refresh = (query: Query, ids: string) => query(`SELECT refresh_paper_search(${ids})`);

function postgresWriteStatements(query: Query): WriteStatements {
  return {
    organizationBySlug: (slug) => first(query('SELECT id, name, avatar_url FROM organizations WHERE slug = $1', [slug])),
    insertOrganization: (slug, name, nameKey, avatarUrl) =>
      idOf(query('INSERT INTO organizations (slug, name, name_key, avatar_url) VALUES ($1, $2, $3, $4) RETURNING id', [slug, name, nameKey, avatarUrl])),
    async updateOrganization(id, name, nameKey, avatarUrl) {
      await query('UPDATE organizations SET name = $2, name_key = $3, avatar_url = $4 WHERE id = $1', [id, name, nameKey, avatarUrl]);
      // Its name is in its papers' search vectors.
      await query('SELECT refresh_paper_search(array_agg(id)) FROM papers WHERE organization_id = $1', [id]);
    },
    authorsByKeys: async (keys) =>
      new Map((await query('SELECT name_key, id, account_name FROM authors WHERE name_key = ANY($1::text[])', [keys])).map((a) => [a.name_key, { id: a.id, account_name: a.account_name }])),
    // WITH ORDINALITY: the ids are drawn in the order given, as SQLite draws them one insert after another.
    insertAuthors: async (authors) =>
      new Map(
        (
          await query(
            `INSERT INTO authors (name, name_key, account_name)
             SELECT n, k, a FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t (n, k, a, i) ORDER BY i
             RETURNING name_key, id`,
            [authors.map((a) => a.name), authors.map((a) => a.key), authors.map((a) => a.accountName)],
          )
        ).map((a) => [a.name_key, a.id]),
      ),
    setAccountName: (id, accountName) => query('UPDATE authors SET account_name = $2 WHERE id = $1', [id, accountName]),
    paperByArxivId: (arxivId) => first(query<StoredPaper>(`SELECT id, ${SELECTED} FROM papers WHERE arxiv_id = $1`, [arxivId])),
    insertPaper: (arxivId, columns) =>
      idOf(query(`INSERT INTO papers (arxiv_id, ${COLUMNS.join(', ')}) VALUES ($1, ${PLACEHOLDERS(2)}) RETURNING id`, [arxivId, ...valuesOf(columns)])),
    updatePaper: (id, columns) => query(`UPDATE papers SET ${COLUMNS.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`, [id, ...valuesOf(columns)]),
    linksOfPaper: (paperId) => query('SELECT author_id, position FROM paper_authors WHERE paper_id = $1 ORDER BY position', [paperId]),
    async writeLinks(paperId, links) {
      await query('DELETE FROM paper_authors WHERE paper_id = $1', [paperId]);
      await query('INSERT INTO paper_authors (paper_id, author_id, position) SELECT $1, a, p FROM unnest($2::int[], $3::int[]) AS l (a, p) ON CONFLICT DO NOTHING', [
        paperId,
        links.map((l) => l.author_id),
        links.map((l) => l.position),
      ]);
      await refresh(query, `ARRAY[${Number(paperId)}]`);
    },
    refreshSearch: (paperId) => refresh(query, `ARRAY[${Number(paperId)}]`),
    async recount(authorIds, organizationIds) {
      await query('UPDATE authors SET paper_count = (SELECT count(*) FROM paper_authors WHERE author_id = authors.id) WHERE id = ANY($1::int[])', [authorIds]);
      await query('DELETE FROM authors WHERE paper_count = 0 AND id = ANY($1::int[])', [authorIds]);
      await query('UPDATE organizations SET paper_count = (SELECT count(*) FROM papers WHERE organization_id = organizations.id) WHERE id = ANY($1::int[])', [organizationIds]);
      await query('DELETE FROM organizations WHERE paper_count = 0 AND id = ANY($1::int[])', [organizationIds]);
    },
    addWords: (words) => query('INSERT INTO search_words (word) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [words]),
    historyAtOrBefore: (paperId, day) =>
      first(query('SELECT date, upvotes, github_stars FROM upvote_history WHERE paper_id = $1 AND date <= $2 ORDER BY date DESC LIMIT 1', [paperId, day])),
    upsertHistory: (paperId, day, upvotes, githubStars) =>
      query(
        `INSERT INTO upvote_history (paper_id, date, upvotes, github_stars) VALUES ($1, $2, $3, $4)
         ON CONFLICT (paper_id, date) DO UPDATE SET upvotes = GREATEST(upvote_history.upvotes, excluded.upvotes),
           github_stars = GREATEST(upvote_history.github_stars, excluded.github_stars)`,
        [paperId, day, upvotes, githubStars],
      ),
    importByChecksum: (checksum) => first(query('SELECT file, imported_at FROM imports WHERE checksum = $1', [checksum])),
    insertImport: (e) =>
      query(
        `INSERT INTO imports (file, checksum, imported_at, items, papers_added, papers_updated, papers_unchanged, authors_added, organizations_added, items_skipped)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [e.file, e.checksum, e.importedAt, e.items, e.papersAdded, e.papersUpdated, e.papersUnchanged, e.authorsAdded, e.organizationsAdded, e.itemsSkipped],
      ),
    terms: postgresTermStatements(query),
  };
}

function postgresTermStatements(query: Query): TermStatements {
  const df = async (rows: Promise<{ df: number }[]>) => (await rows)[0]?.df;
  const byTerm = async (rows: Promise<{ term: string; df: number }[]>) => new Map((await rows).map((r) => [r.term, r.df]));
  return {
    dfs: (terms) => byTerm(query('SELECT term, df FROM term_stats WHERE term = ANY($1::text[])', [terms])),
    count: (terms) =>
      byTerm(
        query(
          `INSERT INTO term_stats (term, df, surface) SELECT t, 1, s FROM unnest($1::text[], $2::text[]) AS n (t, s)
           ON CONFLICT (term) DO UPDATE SET df = term_stats.df + 1,
             surface = CASE WHEN excluded.surface = term_stats.term THEN term_stats.term ELSE term_stats.surface END
           RETURNING term, df`,
          [terms.map((t) => t.term), terms.map((t) => t.surface)],
        ),
      ),
    async uncount(terms) {
      await query('UPDATE term_stats SET df = df - 1 WHERE term = ANY($1::text[])', [terms]);
      await query("DELETE FROM term_stats WHERE df <= 0 AND term <> ''");
    },
    papers: () => df(query("SELECT df FROM term_stats WHERE term = ''")),
    countPaper: () => query("INSERT INTO term_stats (term, df, surface) VALUES ('', 1, '') ON CONFLICT (term) DO UPDATE SET df = term_stats.df + 1"),
    async writeTerms(paperId, terms) {
      await query('DELETE FROM paper_terms WHERE paper_id = $1', [paperId]);
      await query('INSERT INTO paper_terms (paper_id, term, weight) SELECT $1, t, w FROM unnest($2::text[], $3::float8[]) AS p (t, w)', [
        paperId,
        terms.map((t) => t.term),
        terms.map((t) => t.weight),
      ]);
    },
  };
}

/** The writer of a catalogue on PostgreSQL, over one connection that it keeps for its transactions. */
export function postgresCatalogueWriter(client: PoolClient, options: { relatedIndex?: boolean } = {}): CatalogueWriter {
  const query: Query = async (text, values) => (await client.query(text, values)).rows;
  let depth = 0;
  async function transaction<T>(work: () => Steps<T>): Promise<T> {
    const savepoint = `import_${depth}`;
    if (depth === 0) {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.ingest]);
    } else {
      await client.query(`SAVEPOINT ${savepoint}`);
    }
    depth++;
    try {
      const result = await runLater(work());
      depth--;
      if (depth > 0) await client.query(`RELEASE SAVEPOINT ${savepoint}`);
      else {
        await client.query(`NOTIFY ${CHANGES}`);
        await client.query('COMMIT');
      }
      return result;
    } catch (error) {
      depth--;
      await client.query(depth > 0 ? `ROLLBACK TO SAVEPOINT ${savepoint}` : 'ROLLBACK');
      throw error;
    }
  }
  return {
    ...catalogueWriter(postgresWriteStatements(query), options),
    *transaction(work) {
      return yield* answer(transaction(work));
    },
  };
}

/** importFiles (ingest/importer.ts) on PostgreSQL: each file in a transaction of its own, on one connection. */
export async function importFilesIntoPostgres(
  postgres: PostgresDatabase,
  files: string[],
  options: ImportOptions = {},
  onFile: (outcome: FileOutcome, done: number) => void = () => {},
): Promise<ImportSummary> {
  const client = await postgres.pool.connect();
  // A connection cut while importing fails the next statement, and the file's transaction with it.
  client.on('error', (error) => log.warn('the import lost its PostgreSQL connection', { error: error.message }));
  try {
    return await runLater(importEach(postgresCatalogueWriter(client, options), files, options, onFile));
  } finally {
    client.release();
  }
}
