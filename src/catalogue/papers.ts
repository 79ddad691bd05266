// Reading papers: by id, by arXiv id, and as filtered, ordered pages.
import { and, asc, count, eq, gte, inArray, isNotNull, isNull, lte, sql, type SQL } from 'drizzle-orm';
import type { SQLiteSelect } from 'drizzle-orm/sqlite-core';
import type { Db } from '../db/index.ts';
import { organizations, paperAuthors, papers, type PaperRow } from '../db/schema.ts';
import { inJsonList, prepared } from './prepared.ts';
import { keysetQuery, type Page, type PageRequest, type SortKey } from './keyset.ts';

export type { PaperRow };

export interface DateRange {
  from?: string | null;
  to?: string | null;
}

export interface PaperFilter {
  /** Organization slugs; a paper matches if its organization is any of them. */
  organizations?: string[] | null;
  published?: DateRange | null;
  listed?: DateRange | null;
  minUpvotes?: number | null;
  hasCode?: boolean | null;
}

export type PaperOrderField = 'PUBLISHED_AT' | 'LISTED_ON' | 'UPVOTES' | 'TRENDING';

export interface PaperOrder {
  field: PaperOrderField;
  direction: 'ASC' | 'DESC';
  /** For TRENDING: the instant the score is computed at, in ms. */
  asOfMs?: number;
}

function range(column: typeof papers.publishedAt | typeof papers.listedOn, r: DateRange | null | undefined): SQL[] {
  return [r?.from ? gte(column, r.from) : undefined, r?.to ? lte(column, r.to) : undefined].filter((c) => c !== undefined);
}

export function paperConditions(db: Db, filter: PaperFilter = {}): SQL | undefined {
  const slugs = filter.organizations?.map((s) => s.toLowerCase());
  return and(
    slugs
      ? inArray(papers.organizationId, db.select({ id: organizations.id }).from(organizations).where(inArray(organizations.slug, slugs)))
      : undefined,
    ...range(papers.publishedAt, filter.published),
    ...range(papers.listedOn, filter.listed),
    filter.minUpvotes != null ? gte(papers.upvotes, filter.minUpvotes) : undefined,
    filter.hasCode === true ? isNotNull(papers.githubUrl) : filter.hasCode === false ? isNull(papers.githubUrl) : undefined,
  );
}

export const trendingScoreSql = (asOfMs: number): SQL<number> =>
  sql<number>`trending_score(${papers.upvotes}, ${papers.githubStars}, ${papers.listedOn}, ${asOfMs})`;

/** The sort key of an order: its field, then the arXiv id (ascending) to break ties. */
export function paperSortKeys(order: PaperOrder): SortKey[] {
  const direction = order.direction === 'ASC' ? 'asc' : 'desc';
  const primary: Record<PaperOrderField, () => SortKey> = {
    PUBLISHED_AT: () => ({ expr: papers.publishedAt, direction, type: 'string' }),
    LISTED_ON: () => ({ expr: papers.listedOn, direction, type: 'string' }),
    UPVOTES: () => ({ expr: papers.upvotes, direction, type: 'number' }),
    TRENDING: () => ({ expr: trendingScoreSql(order.asOfMs ?? 0), direction, type: 'number' }),
  };
  return [primary[order.field](), { expr: papers.arxivId, direction: 'asc', type: 'string' }];
}

export function listPapers(db: Db, filter: PaperFilter, order: PaperOrder, request: PageRequest): Page<PaperRow> {
  const keys = paperSortKeys(order);
  const query = keysetQuery(keys, request);
  // The page is chosen on ids and keys alone, then its rows are read whole:
  // sorting only ids and keys is about twice as fast as sorting rows with
  // abstracts, and the keys computed once (a trending score is a function call).
  const chosen = db
    .select({ id: papers.id, sortKey: sql<string | number>`${keys[0]!.expr}`.as('sort_key'), arxivId: sql<string>`${papers.arxivId}`.as('tie_key') })
    .from(papers)
    .where(and(paperConditions(db, filter), query.where))
    .orderBy(...query.orderOf([sql`${sql.identifier('sort_key')}`, papers.arxivId]))
    .limit(query.limit)
    .as('chosen');
  const rows = db
    .select({ paper: papers, sortKey: chosen.sortKey })
    .from(chosen)
    .innerJoin(papers, eq(papers.id, chosen.id))
    .orderBy(...query.orderOf([chosen.sortKey, chosen.arxivId]))
    .all();
  const page = query.page(rows, (r) => [r.sortKey, r.paper.arxivId]);
  return { ...page, rows: page.rows.map(({ row, key }) => ({ row: row.paper, key })) };
}

/** Papers of many organizations or authors at once: one list per id. */
export interface PaperGroups {
  by: 'organization' | 'author';
  ids: readonly number[];
}

const groupColumn = (group: PaperGroups) => (group.by === 'organization' ? papers.organizationId : paperAuthors.authorId);

/** Authors' papers are reached through the paper–author link. */
function joinGroup<Q extends SQLiteSelect>(query: Q, group: PaperGroups): Q {
  return group.by === 'author' ? (query.innerJoin(paperAuthors, eq(paperAuthors.paperId, papers.id)) as unknown as Q) : query;
}

/**
 * The same page of each group's papers, in one statement: the rows are
 * numbered within each group by the list's order and cut after the page.
 */
export function listPapersByGroup(
  db: Db,
  group: PaperGroups,
  filter: PaperFilter,
  order: PaperOrder,
  request: PageRequest,
): Map<number, Page<PaperRow>> {
  const keys = paperSortKeys(order);
  const query = keysetQuery(keys, request);
  const column = groupColumn(group);
  if (group.ids.length === 1) {
    // One organization or author: its page straight from the index, with a LIMIT.
    const id = group.ids[0]!;
    const rows = joinGroup(db.select({ paper: papers, sortKey: sql<string | number>`${keys[0]!.expr}` }).from(papers).$dynamic(), group)
      .where(and(eq(column, id), paperConditions(db, filter), query.where))
      .orderBy(...query.orderBy)
      .limit(query.limit)
      .all();
    const page = query.page(rows, (r) => [r.sortKey, r.paper.arxivId]);
    return new Map([[id, { ...page, rows: page.rows.map(({ row, key }) => ({ row: row.paper, key })) }]]);
  }
  // Only ids and sort keys are numbered; the rows kept are then joined whole.
  const fields = {
    id: sql<number>`${papers.id}`.as('paper_id'),
    groupId: sql<number>`${column}`.as('group_id'),
    sortKey: sql<string | number>`${keys[0]!.expr}`.as('sort_key'),
    rank: sql<number>`row_number() over (partition by ${column} order by ${sql.join(query.orderBy, sql`, `)})`.as('rank'),
  };
  const ranked = joinGroup(db.select(fields).from(papers).$dynamic(), group)
    .where(and(inArray(column, [...group.ids]), paperConditions(db, filter), query.where))
    .as('ranked');
  const rows = db
    .select({ paper: papers, groupId: ranked.groupId, sortKey: ranked.sortKey })
    .from(ranked)
    .innerJoin(papers, eq(papers.id, ranked.id))
    .where(lte(ranked.rank, query.limit))
    .orderBy(asc(ranked.groupId), asc(ranked.rank))
    .all();
  const byGroup = new Map<number, PaperRow[]>(group.ids.map((id) => [id, []]));
  const sortKeys = new Map<PaperRow, string | number>();
  for (const { paper, groupId, sortKey } of rows) {
    byGroup.get(groupId)?.push(paper);
    sortKeys.set(paper, sortKey);
  }
  return new Map([...byGroup].map(([id, list]) => [id, query.page(list, (p) => [sortKeys.get(p)!, p.arxivId])]));
}

/** How many papers each group has under the filter, in one statement. */
export function countPapersByGroup(db: Db, group: PaperGroups, filter: PaperFilter): Map<number, number> {
  const column = groupColumn(group);
  const rows = joinGroup(db.select({ groupId: sql<number>`${column}`, n: count() }).from(papers).$dynamic(), group)
    .where(and(inArray(column, [...group.ids]), paperConditions(db, filter)))
    .groupBy(column)
    .all();
  return new Map(rows.map((r) => [r.groupId, r.n]));
}

export function countPapers(db: Db, filter: PaperFilter): number {
  return db.select({ n: count() }).from(papers).where(paperConditions(db, filter)).get()!.n;
}

export function papersByArxivIds(db: Db, arxivIds: readonly string[]): PaperRow[] {
  const statement = prepared(db, 'papersByArxivIds', () => db.select().from(papers).where(inJsonList(papers.arxivId, 'ids')).prepare());
  return statement.all({ ids: JSON.stringify(arxivIds) });
}

/** The latest day on which any paper was listed, or null for an empty catalogue. */
export function latestListingDay(db: Db): string | null {
  const statement = prepared(db, 'latestListingDay', () => db.select({ day: sql<string | null>`max(${papers.listedOn})` }).from(papers).prepare());
  return statement.get()?.day ?? null;
}

/** The nearest listing day strictly before `day` (or after it), if any. */
export function adjacentListingDay(db: Db, day: string, side: 'before' | 'after'): string | null {
  const bound = side === 'before' ? sql`${papers.listedOn} < ${day}` : sql`${papers.listedOn} > ${day}`;
  const pick = side === 'before' ? sql<string | null>`max(${papers.listedOn})` : sql<string | null>`min(${papers.listedOn})`;
  return db.select({ day: pick }).from(papers).where(bound).get()?.day ?? null;
}
