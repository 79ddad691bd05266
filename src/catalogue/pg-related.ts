// Related papers and recommendations on PostgreSQL: related.ts's statements
// in PostgreSQL's words.
import { and, sql, type SQL } from 'drizzle-orm';
import type { PgDb } from '../db/postgres.ts';
import type { MaybePromise } from './maybe.ts';
import type { PaperOf, PaperColumns } from './papers.ts';
import { arxivIdsOf, pagesOf, recommendedQuery, relatedQuery, type RankedPage, type RankedRequest, type RankedRow, type RankingDialect } from './related.ts';

const POSTGRES_RANKING: RankingDialect = {
  ids: (ids) => sql`SELECT unnest(${sql.param([...ids])}::int[]) AS value`,
  greatest: (a, b) => sql`greatest(${a}, ${b})`,
  least: (a, b) => sql`least(${a}, ${b})`,
  joined: (values, order) => sql`string_agg(${values}, chr(31)${order ? sql` ORDER BY ${order}` : sql``})`,
};

type PapersByArxivIds = <C extends PaperColumns>(arxivIds: readonly string[], columns: C) => MaybePromise<PaperOf<C>[]>;

export async function pgRelatedPapers<C extends PaperColumns>(
  db: PgDb,
  papersByArxivIds: PapersByArxivIds,
  ids: readonly number[],
  request: RankedRequest,
  columns: C,
): Promise<Map<number, RankedPage<PaperOf<C>>>> {
  if (ids.length === 0) return new Map();
  const rows = (await db.execute(relatedQuery(POSTGRES_RANKING, ids, request))).rows as unknown as RankedRow[];
  return pagesOf(ids, rows, request, await papersByArxivIds(arxivIdsOf(rows), columns));
}

/** `conditions` on the table `papers`; `matching` a tsquery text (pg-search.ts) the papers must match. */
export async function pgRecommendedPapers<C extends PaperColumns>(
  db: PgDb,
  papersByArxivIds: PapersByArxivIds,
  liked: readonly number[],
  disliked: readonly number[],
  conditions: SQL | undefined,
  bounded: boolean,
  request: RankedRequest,
  columns: C,
  matching: string | null,
): Promise<RankedPage<PaperOf<C>>> {
  const all = and(conditions, matching === null ? undefined : sql`papers.search @@ to_tsquery('catalogue', ${matching})`);
  const rows = (await db.execute(recommendedQuery(POSTGRES_RANKING, liked, disliked, all, bounded, request))).rows as unknown as RankedRow[];
  return pagesOf([0], rows, request, await papersByArxivIds(arxivIdsOf(rows), columns)).get(0)!;
}
