// Reading authors: by id, of a batch of papers (in paper order), and by words of the name.
import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { authors, paperAuthors, type AuthorRow } from '../db/schema.ts';
import { inJsonList, prepared } from './prepared.ts';
import { keysetQuery, type Page, type PageRequest, type SortKey } from './keyset.ts';

export type { AuthorRow };

export function authorsByIds(db: Db, ids: readonly number[]): AuthorRow[] {
  const statement = prepared(db, 'authorsByIds', () => db.select().from(authors).where(inJsonList(authors.id, 'ids')).prepare());
  return statement.all({ ids: JSON.stringify(ids) });
}

/** The authors of each paper, in paper order, for a batch of papers in one statement. */
export function authorsOfPapers(db: Db, paperIds: readonly number[]): Map<number, AuthorRow[]> {
  // A page can hold a thousand authors: rows come as arrays, made into objects
  // here in one go rather than column by column by drizzle.
  const statement = prepared(db, 'authorsOfPapers', () =>
    db
      .select({
        paperId: paperAuthors.paperId,
        id: authors.id,
        name: authors.name,
        nameKey: authors.nameKey,
        accountName: authors.accountName,
        paperCount: authors.paperCount,
      })
      .from(paperAuthors)
      .innerJoin(authors, eq(authors.id, paperAuthors.authorId))
      .where(inJsonList(paperAuthors.paperId, 'ids'))
      .orderBy(asc(paperAuthors.paperId), asc(paperAuthors.position))
      .prepare(),
  );
  const byPaper = new Map<number, AuthorRow[]>(paperIds.map((id) => [id, []]));
  const rows = statement.values({ ids: JSON.stringify(paperIds) }) as [number, number, string, string, string | null, number][];
  for (const [paperId, id, name, nameKey, accountName, paperCount] of rows) byPaper.get(paperId)!.push({ id, name, nameKey, accountName, paperCount });
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
