// Reading authors: by id, of a batch of papers (in paper order), and by words of the name.
import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Db } from '../db/index.ts';
import { authors, paperAuthors, type AuthorRow } from '../db/schema.ts';
import { byKeys, placeholders, prepared } from './prepared.ts';
import { cursorShape, keysetQuery, type Bind, type Page, type PageRequest, type SortKey } from './keyset.ts';

export type { AuthorRow };

export function authorsByIds(db: Db, ids: readonly number[]): AuthorRow[] {
  const keys = byKeys(ids);
  const statement = prepared(db, `authorsByIds ${keys.shape}`, () => db.select().from(authors).where(keys.where(authors.id)).prepare());
  return statement.all(keys.params);
}

/**
 * How much of each author a list of papers needs: `names` is the id and name
 * only (what `authors { name }` asks, by far the commonest), `all` the whole row.
 */
export type AuthorColumns = 'names' | 'all';

/**
 * The authors of each paper, in paper order, for a batch of papers in one
 * statement. With `names`, the rows hold only id and name: the caller must not
 * read anything else of them.
 */
export function authorsOfPapers(db: Db, paperIds: readonly number[], columns: AuthorColumns = 'all'): Map<number, AuthorRow[]> {
  const byPaper = new Map<number, AuthorRow[]>(paperIds.map((id) => [id, []]));
  const keys = byKeys(paperIds);
  // A page can hold a thousand authors: rows come as arrays and are made into
  // objects here in one go, rather than column by column by drizzle.
  if (columns === 'names') {
    for (const [paperId, id, name] of authorNames(db, keys).values(keys.params) as [number, number, string][]) {
      byPaper.get(paperId)!.push({ id, name } as AuthorRow);
    }
    return byPaper;
  }
  for (const [paperId, id, name, nameKey, accountName, paperCount] of authorRows(db, keys).values(keys.params) as [number, number, string, string, string | null, number][]) {
    byPaper.get(paperId)!.push({ id, name, nameKey, accountName, paperCount });
  }
  return byPaper;
}

type Keys = ReturnType<typeof byKeys>;

const linksOfPapers = <T extends Record<string, SQLiteColumn>>(db: Db, keys: Keys, columns: T) =>
  db
    .select({ paperId: paperAuthors.paperId, ...columns })
    .from(paperAuthors)
    .innerJoin(authors, eq(authors.id, paperAuthors.authorId))
    .where(keys.where(paperAuthors.paperId))
    .orderBy(asc(paperAuthors.paperId), asc(paperAuthors.position))
    .prepare();

const authorNames = (db: Db, keys: Keys) =>
  prepared(db, `authorNamesOfPapers ${keys.shape}`, () => linksOfPapers(db, keys, { id: authors.id, name: authors.name }));

const authorRows = (db: Db, keys: Keys) =>
  prepared(db, `authorsOfPapers ${keys.shape}`, () =>
    linksOfPapers(db, keys, { id: authors.id, name: authors.name, nameKey: authors.nameKey, accountName: authors.accountName, paperCount: authors.paperCount }),
  );

/** Most prolific first, then by name. */
export const AUTHOR_SORT: SortKey[] = [
  { expr: authors.paperCount, direction: 'desc', type: 'number' },
  { expr: authors.nameKey, direction: 'asc', type: 'string' },
];

/** Authors with a word starting with each word of `expression` (see toNamePrefixExpression). */
const named = (expression: string, bind: Bind) =>
  sql`${authors.id} IN (SELECT rowid FROM authors_fts WHERE authors_fts MATCH ${bind('match', expression)})`;

// Prepared once per shape of query (which way, from a cursor or not), as lists of papers are.
export function searchAuthors(db: Db, expression: string, request: PageRequest): Page<AuthorRow> {
  const { bind, params } = placeholders();
  const query = keysetQuery(AUTHOR_SORT, request, bind);
  const condition = named(expression, bind);
  params.limit = query.limit;
  const statement = prepared(db, `searchAuthors ${cursorShape(request)}`, () =>
    db
      .select()
      .from(authors)
      .where(and(condition, query.where))
      .orderBy(...query.orderBy)
      .limit(sql.placeholder('limit'))
      .prepare(),
  );
  return query.page(statement.all(params), (a) => [a.paperCount, a.nameKey]);
}

export function countAuthors(db: Db, expression: string): number {
  const { bind, params } = placeholders();
  const condition = named(expression, bind);
  const statement = prepared(db, 'countAuthors', () => db.select({ n: count() }).from(authors).where(condition).prepare());
  return statement.get(params)!.n;
}

/** The catalogue's largest counts, as a request's cost reads them (http/admission.ts). */
export interface CatalogueSizes {
  /** The most authors any paper has: what a plain list of a paper's authors counts. */
  authorsPerPaper: number;
  /** Papers in the catalogue, each of which a TRENDING order of all papers scores. */
  papers: number;
  /** The most papers of one organization, and of one author: what a TRENDING order of theirs scores. */
  papersPerOrganization: number;
  papersPerAuthor: number;
}

/** The same SQL on both engines (integers on both: PostgreSQL's counts are bigint). */
export const CATALOGUE_SIZES = sql`SELECT
  CAST(coalesce((SELECT max(n) FROM (SELECT count(*) AS n FROM paper_authors GROUP BY paper_id) counts), 0) AS integer) AS "authorsPerPaper",
  CAST((SELECT count(*) FROM papers) AS integer) AS papers,
  CAST(coalesce((SELECT max(paper_count) FROM organizations), 0) AS integer) AS "papersPerOrganization",
  CAST(coalesce((SELECT max(paper_count) FROM authors), 0) AS integer) AS "papersPerAuthor"`;

export function catalogueSizes(db: Db): CatalogueSizes {
  return db.get<CatalogueSizes>(CATALOGUE_SIZES);
}
