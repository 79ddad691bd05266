// Reading authors: by id, of a batch of papers (in paper order), and by name prefix.
import { and, asc, count, eq, gte, inArray, lt } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { authors, paperAuthors, type AuthorRow } from '../db/schema.ts';
import { authorKey } from './identity.ts';
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

/** Case-insensitive prefix match on the whole name, under the identity rule. */
function namePrefix(prefix: string) {
  const key = authorKey(prefix);
  return and(gte(authors.nameKey, key), lt(authors.nameKey, `${key}\u{10FFFF}`));
}

export function searchAuthors(db: Db, prefix: string, request: PageRequest): Page<AuthorRow> {
  const query = keysetQuery(AUTHOR_SORT, request);
  const rows = db
    .select()
    .from(authors)
    .where(and(namePrefix(prefix), query.where))
    .orderBy(...query.orderBy)
    .limit(query.limit)
    .all();
  return query.page(rows, (a) => [a.paperCount, a.nameKey]);
}

export function countAuthors(db: Db, prefix: string): number {
  return db.select({ n: count() }).from(authors).where(namePrefix(prefix)).get()!.n;
}
