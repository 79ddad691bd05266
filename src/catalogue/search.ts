// Full-text search over the FTS5 index (drizzle/0001_search.sql). A page is
// found in two statements: the hits ranked inside the FTS query with a LIMIT
// (only ids and sort keys pass through the sort), then the page's rows with
// their highlights, so a word found in most papers costs one ranking pass.
import { and, count, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { Db } from '../db/index.ts';
import { organizations, papers, searchWords, type OrganizationRow, type PaperRow } from '../db/schema.ts';
import { JOINED_ORGANIZATION, organizationsFromValues } from './organizations.ts';
import { escapeHtml } from '../html.ts';
import { MAX_PREFIX_WORDS, searchableWords } from './search-query.ts';
import { cursorShape, keysetQuery, type Bind, type Page, type PageRequest, type SortKey } from './keyset.ts';
import { afterPaper, columnsOf, filterShape, paperConditions, paperFromValues, type ListedPaper, type PaperColumns, type PaperFilter, type PaperOf } from './papers.ts';
import { inJsonList, placeholders, prepared } from './prepared.ts';

/** The FTS5 table, as drizzle sees it for queries (it is created by a hand-written migration). */
const papersFts = sqliteTable('papers_fts', {
  rowid: integer('rowid').notNull(),
  rank: real('rank').notNull(),
  title: text('title'),
});

export type SearchOrder = 'RELEVANCE' | 'PUBLISHED_AT' | 'UPVOTES';

export interface SearchHit<P extends ListedPaper = PaperRow> {
  /** Without its texts when the search was asked for `brief` columns. */
  paper: P;
  /** bm25 relevance, higher is better. */
  score: number;
  /** Title, HTML-escaped, matched terms in <mark>…</mark>. */
  titleHighlight: string;
  /** An excerpt of the abstract around the matches, marked the same way. */
  abstractSnippet: string;
  /** The paper's organization (null for none) when the search was asked to read it; undefined otherwise. */
  organization?: OrganizationRow | null;
}

/** bm25 ranks best first with the most negative value; ties by paper id. Other orders: newest / most upvoted first, ties by arXiv id. */
export function searchSortKeys(order: SearchOrder): SortKey[] {
  if (order === 'RELEVANCE') {
    return [
      { expr: papersFts.rank, direction: 'asc', type: 'number' },
      { expr: papersFts.rowid, direction: 'asc', type: 'number' },
    ];
  }
  const primary = order === 'UPVOTES' ? papers.upvotes : papers.publishedAt;
  return [
    { expr: primary, direction: 'desc', type: order === 'UPVOTES' ? 'number' : 'string' },
    { expr: papers.arxivId, direction: 'asc', type: 'string' },
  ];
}

const matches = (bind: Bind, expression: string): SQL => sql`papers_fts MATCH ${bind('match', expression)}`;

/**
 * The filter as a set of paper ids. The unary + keeps SQLite from handing
 * the set to FTS5 one id at a time: the matches are checked against it instead.
 */
function within(db: Db, filter: PaperFilter, bind: Bind): SQL | undefined {
  const conditions = paperConditions(db, filter, bind);
  return conditions ? sql`+${papersFts.rowid} IN (SELECT ${papers.id} FROM ${papers} WHERE ${conditions})` : undefined;
}

// Marks that cannot come from the text (private-use characters), turned into
// <mark> tags after the text around them is HTML-escaped.
export const OPEN = '\u{F0001}';
export const CLOSE = '\u{F0002}';

export function markup(marked: string): string {
  return escapeHtml(marked)
    .replaceAll(OPEN, '<mark>')
    .replaceAll(CLOSE, '</mark>');
}

/** A page's papers with their highlights, by paper id: [...paper, title highlight, abstract snippet, ...its organization if asked]. */
const details = (db: Db, columns: PaperColumns, organization: boolean) =>
  prepared(db, `searchDetails ${columns}${organization ? ' organization' : ''}`, () => {
    const found = db
      .select({
        ...columnsOf(columns),
        titleHighlight: sql<string>`highlight(papers_fts, 0, ${OPEN}, ${CLOSE})`,
        abstractSnippet: sql<string>`snippet(papers_fts, 1, ${OPEN}, ${CLOSE}, '…', 40)`,
        ...(organization ? JOINED_ORGANIZATION : {}),
      })
      .from(papersFts)
      .innerJoin(papers, eq(papers.id, papersFts.rowid))
      .$dynamic();
    return (organization ? found.leftJoin(organizations, eq(organizations.id, papers.organizationId)) : found)
      // The unary + makes FTS5 find the matches once and keep the page's:
      // handed one id at a time, it would read every matching doclist again
      // for each (31 ids of `a* OR b*` took 10 s at 100,000 papers, 64 ms so).
      .where(and(sql`papers_fts MATCH ${sql.placeholder('match')}`, inJsonList(sql`+${papersFts.rowid}`, 'ids')))
      .prepare();
  });

/**
 * A page of papers matching `expression`, read in `columns`, and with their
 * organizations (in the same statement as their highlights) if asked.
 */
export function searchPapers<C extends PaperColumns = 'all'>(
  db: Db,
  expression: string,
  filter: PaperFilter,
  order: SearchOrder,
  request: PageRequest,
  columns: C = 'all' as C,
  organization = false,
): Page<SearchHit<PaperOf<C>>> {
  // Prepared once per shape of query (which filters, which order, which way),
  // as lists of papers are; the values go in as placeholders.
  const { bind, params } = placeholders();
  const keys = searchSortKeys(order);
  const query = keysetQuery(keys, request, bind);
  const match = matches(bind, expression);
  const conditions = order === 'RELEVANCE' ? within(db, filter, bind) : paperConditions(db, filter, bind);
  params.limit = query.limit;
  const relevance = order === 'RELEVANCE';
  const hits = prepared(db, `searchHits ${order} ${filterShape(filter)} ${cursorShape(request)}`, () => {
    // By relevance, only ids and ranks pass through the sort (the rank is
    // the sort key and the id the tie: each is selected once, as FTS5
    // computes bm25 again for each mention), and papers is not joined (a join
    // per match is what makes a common word slow); the other orders need
    // their sort key from papers.
    return (
      relevance
        ? db.select({ id: papersFts.rowid, rank: papersFts.rank }).from(papersFts).where(and(match, conditions, query.where))
        : db
            .select({ id: papersFts.rowid, rank: papersFts.rank, key: sql<string | number>`${keys[0]!.expr}`, tie: sql<string | number>`${keys[1]!.expr}` })
            .from(papersFts)
            .innerJoin(papers, eq(papers.id, papersFts.rowid))
            .where(and(match, conditions, query.where))
    )
      .orderBy(...query.orderBy)
      .limit(sql.placeholder('limit'))
      .prepare();
  });
  const page = query.page(hits.all(params) as { id: number; rank: number; key?: string | number; tie?: string | number }[], (h) =>
    relevance ? [h.rank, h.id] : [h.key!, h.tie!],
  );
  if (page.rows.length === 0) return { ...page, rows: [] };

  const rows = details(db, columns, organization).values({ match: expression, ids: JSON.stringify(page.rows.map((r) => r.row.id)) });
  const byId = new Map(rows.map((v) => [v[0] as number, v]));
  const paperFrom = paperFromValues(columns);
  const highlight = afterPaper(columns);
  const inOrder = page.rows.map(({ row }) => byId.get(row.id)!);
  const organizations = organization ? organizationsFromValues(inOrder, highlight + 2) : null;
  return {
    ...page,
    rows: page.rows.map(({ row, key }, i) => {
      const v = inOrder[i]!;
      return {
        key,
        row: {
          paper: paperFrom(v),
          score: -row.rank,
          titleHighlight: markup(v[highlight] as string),
          abstractSnippet: markup(v[highlight + 1] as string),
          organization: organizations?.[i],
        },
      };
    }),
  };
}

/** Up to MAX_PREFIX_WORDS known words starting with `prefix` (lower-cased, accents removed), shortest first. */
export function wordsStartingWith(db: Db, prefix: string): string[] {
  const [start] = searchableWords(prefix);
  if (!start) return [];
  const statement = prepared(db, 'wordsStartingWith', () =>
    db
      .select({ word: searchWords.word })
      .from(searchWords)
      .where(and(gte(searchWords.word, sql.placeholder('start')), lt(searchWords.word, sql.placeholder('end'))))
      .orderBy(sql`length(${searchWords.word})`, searchWords.word)
      .limit(MAX_PREFIX_WORDS)
      .prepare(),
  );
  return statement.all({ start, end: `${start}\u{10FFFF}` }).map((r) => r.word);
}

/** How many known words start with `prefix`: what a `prefix*` makes FTS5 read, for its cost. */
export function countWordsStartingWith(db: Db, prefix: string): number {
  const [start] = searchableWords(prefix);
  if (!start) return 0;
  const statement = prepared(db, 'countWordsStartingWith', () =>
    db
      .select({ n: count() })
      .from(searchWords)
      .where(and(gte(searchWords.word, sql.placeholder('start')), lt(searchWords.word, sql.placeholder('end'))))
      .prepare(),
  );
  return statement.get({ start, end: `${start}\u{10FFFF}` })!.n;
}

export function countSearch(db: Db, expression: string, filter: PaperFilter): number {
  const { bind, params } = placeholders();
  const match = matches(bind, expression);
  const conditions = within(db, filter, bind);
  const statement = prepared(db, `countSearch ${filterShape(filter)}`, () =>
    db.select({ n: count() }).from(papersFts).where(and(match, conditions)).prepare(),
  );
  return statement.get(params)!.n;
}

/** Empties the search indexes and fills them again from the catalogue, in one transaction. */
export function rebuildSearchIndex(db: Db): { papers: number; authors: number; organizations: number } {
  return db.transaction((tx) => {
    for (const table of ['papers_fts', 'authors_fts', 'organizations_fts']) tx.run(sql.raw(`DELETE FROM ${table}`));
    tx.run(sql`INSERT INTO papers_fts (rowid, title, abstract, authors, organization)
      SELECT p.id, p.title, p.abstract,
        coalesce((SELECT group_concat(name, ' ') FROM (
          SELECT a.name FROM paper_authors pa JOIN authors a ON a.id = pa.author_id WHERE pa.paper_id = p.id ORDER BY pa.position)), ''),
        o.name
      FROM papers p LEFT JOIN organizations o ON o.id = p.organization_id`);
    tx.run(sql`INSERT INTO authors_fts (rowid, name) SELECT id, name FROM authors`);
    tx.delete(searchWords).run();
    const words = new Set<string>();
    const texts = tx.all<{ text: string }>(sql`SELECT title || ' ' || abstract || ' ' || authors || ' ' || coalesce(organization, '') AS text FROM papers_fts`);
    for (const { text } of texts) for (const word of searchableWords(text)) words.add(word);
    const insert = (chunk: string[]) => tx.insert(searchWords).values(chunk.map((word) => ({ word }))).onConflictDoNothing().run();
    const list = [...words];
    for (let i = 0; i < list.length; i += 500) insert(list.slice(i, i + 500));
    tx.run(sql`INSERT INTO organizations_fts (rowid, name, slug) SELECT id, name, slug FROM organizations`);
    const n = (table: string) => tx.get<{ n: number }>(sql.raw(`SELECT count(*) AS n FROM ${table}`))!.n;
    return { papers: n('papers_fts'), authors: n('authors_fts'), organizations: n('organizations_fts') };
  });
}
