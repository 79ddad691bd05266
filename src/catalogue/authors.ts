// Reading authors: by id, of a batch of papers (in paper order), and by words of the name.
import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { authors, paperAuthors, type AuthorRow } from '../db/schema.ts';
import { keysetQuery, type Page, type PageRequest, type SortKey } from './keyset.ts';

export type { AuthorRow };

export function authorsByIds(db: Db, ids: readonly number[]): AuthorRow[] {
  return db.select().from(authors).where(inArray(authors.id, [...ids])).all();
}

/** The authors of each paper, in paper order, for a batch of papers in one statement. */
export function authorsOfPapers(db: Db, paperIds: readonly number[]): Map<number, AuthorRow[]> {
  const rows = db
    .select({ paperId: paperAuthors.paperId, author: authors })
    .from(paperAuthors)
    .innerJoin(authors, eq(authors.id, paperAuthors.authorId))
    .where(inArray(paperAuthors.paperId, [...paperIds]))
    .orderBy(asc(paperAuthors.paperId), asc(paperAuthors.position))
    .all();
  const byPaper = new Map<number, AuthorRow[]>(paperIds.map((id) => [id, []]));
  for (const { paperId, author } of rows) byPaper.get(paperId)!.push(author);
  return byPaper;
}

/** Most prolific first, then by name. */
export const AUTHOR_SORT: SortKey[] = [
  { expr: authors.paperCount, direction: 'desc', type: 'number' },
  { expr: authors.nameKey, direction: 'asc', type: 'string' },
];

/** Authors with a word starting with each word of `expression` (see toNamePrefixExpression). */
const named = (expression: string) => sql`${authors.id} IN (SELECT rowid FROM authors_fts WHERE authors_fts MATCH ${expression})`;

export function searchAuthors(db: Db, expression: string, request: PageRequest): Page<AuthorRow> {
  const query = keysetQuery(AUTHOR_SORT, request);
  const rows = db
    .select()
    .from(authors)
    .where(and(named(expression), query.where))
    .orderBy(...query.orderBy)
    .limit(query.limit)
    .all();
  return query.page(rows, (a) => [a.paperCount, a.nameKey]);
}

export function countAuthors(db: Db, expression: string): number {
  return db.select({ n: count() }).from(authors).where(named(expression)).get()!.n;
}
