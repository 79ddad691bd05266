// The catalogue on PostgreSQL: the Catalogue interface (catalogue.ts) over
// drizzle's node-postgres driver, answering with promises. The same lists in
// the same orders as on SQLite, with the same page sizes and cursors' keys,
// one statement for each thing SQLite reads in one. What SQLite computes in
// JavaScript (the trending score) is an SQL function here
// (drizzle/pg/0002_reading.sql); search is a tsquery over the weighted
// tsvector (pg-search.ts).
import { and, sql, type SQL } from 'drizzle-orm';
import type { PostgresDatabase } from '../db/postgres.ts';
import { migratedReadiness, SHIPPED_PG_MIGRATIONS, unreadable, type Readiness } from '../db/readiness.ts';
import { CATALOGUE_SIZES, type AuthorRow, type CatalogueSizes } from './authors.ts';
import type { Catalogue } from './catalogue.ts';
import { keysetQuery, type KeyValue, type Page, type PageRequest, type SortKey } from './keyset.ts';
import type { OrganizationRow } from './organizations.ts';
import type { PaperColumns, PaperFilter, PaperGroups, PaperOf, PaperOrder, PaperTexts } from './papers.ts';
import { countWordsStartingWith, tsQueryOf } from './pg-search.ts';
import { pgRecommendedPapers, pgRelatedPapers } from './pg-related.ts';
import type { SearchHit, SearchOrder } from './search.ts';
import { markup, OPEN, CLOSE } from './search.ts';
import { WINDOW_HOURS } from './trending.ts';
import type { UpvoteCount } from './history.ts';

/** A paper's columns but its texts, named as the rows of SQLite's catalogue name them. */
const BRIEF_COLUMNS = `p.id, p.arxiv_id AS "arxivId", p.title, p.upvotes, p.published_at AS "publishedAt", p.listed_on AS "listedOn",
  p.github_stars AS "githubStars", p.organization_id AS "organizationId", p.listed, p.author_count AS "authorCount",
  p.github_url AS "githubUrl", p.project_url AS "projectUrl", p.thumbnail_url AS "thumbnailUrl", p.comment_count AS "commentCount"`;
const BRIEF = sql.raw(BRIEF_COLUMNS);
const ALL = sql.raw(`${BRIEF_COLUMNS}, p.abstract, p.ai_summary AS "aiSummary", p.ai_keywords AS "aiKeywords"`);
/**
 * The columns a page reads: all, or all but the texts. The finer tiers that
 * SQLite reads (papers.ts) save it microseconds of decoding a page; here
 * the round trip is the cost, and a paper without its texts loads them
 * (Paper.abstract) in one statement for its page.
 */
const columnsOf = (columns: PaperColumns): SQL => (columns === 'all' ? ALL : BRIEF);

const ORGANIZATION = sql.raw(`o.id AS "o_id", o.slug AS "o_slug", o.name AS "o_name", o.name_key AS "o_nameKey", o.avatar_url AS "o_avatarUrl", o.paper_count AS "o_paperCount"`);

type Row = Record<string, unknown>;

/** A paper from a row, without the columns that are not the paper's. */
function paperOf<C extends PaperColumns>(row: Row): PaperOf<C> {
  const { sort_key: _key, tie_key: _tie, group_id: _group, rank: _rank, ...paper } = row;
  for (const name of Object.keys(paper)) if (name.startsWith('o_') || name.startsWith('h_')) delete paper[name];
  return paper as PaperOf<C>;
}

/** The organizations of rows read with ORGANIZATION: null where there is none, one object per organization. */
function organizationsOf(rows: Row[]): (OrganizationRow | null)[] {
  const byId = new Map<number, OrganizationRow>();
  return rows.map((r) => {
    if (r.o_id === null || r.o_id === undefined) return null;
    const id = r.o_id as number;
    let organization = byId.get(id);
    if (!organization) {
      organization = { id, slug: r.o_slug as string, name: r.o_name as string, nameKey: r.o_nameKey as string, avatarUrl: r.o_avatarUrl as string | null, paperCount: r.o_paperCount as number };
      byId.set(id, organization);
    }
    return organization;
  });
}

/** The conditions of a filter on the papers of `table` (its name or alias). */
function conditions(filter: PaperFilter, table = 'p'): SQL | undefined {
  const { published, listed, activeWithin } = filter;
  const p = (column: string) => sql.raw(`${table}.${column}`);
  return and(
    filter.organizations ? sql`${p('organization_id')} IN (SELECT id FROM organizations WHERE slug = ANY(${sql.param(filter.organizations.map((s) => s.toLowerCase()))}::text[]))` : undefined,
    published?.from ? sql`${p('published_at')} >= ${published.from}` : undefined,
    published?.to ? sql`${p('published_at')} <= ${published.to}` : undefined,
    listed?.from ? sql`${p('listed_on')} >= ${listed.from}` : undefined,
    listed?.to ? sql`${p('listed_on')} <= ${listed.to}` : undefined,
    filter.minUpvotes != null ? sql`${p('upvotes')} >= ${filter.minUpvotes}` : undefined,
    filter.hasCode === true ? sql`${p('github_url')} IS NOT NULL` : filter.hasCode === false ? sql`${p('github_url')} IS NULL` : undefined,
    // Listed in the span, or its upvotes changed in it (a history row there after its first): one set
    // from two indexes (an OR of the two made PostgreSQL scan every paper: 24 ms for a week's trending, 5 so).
    activeWithin
      ? sql`${p('id')} IN (
          SELECT id FROM papers WHERE listed_on BETWEEN ${activeWithin.from} AND ${activeWithin.to}
          UNION
          SELECT h.paper_id FROM upvote_history h WHERE h.date BETWEEN ${activeWithin.from} AND ${activeWithin.to}
            AND EXISTS (SELECT 1 FROM upvote_history e WHERE e.paper_id = h.paper_id AND e.date < h.date))`
      : undefined,
  );
}

const where = (...parts: (SQL | undefined)[]): SQL => {
  const all = and(...parts);
  return all ? sql`WHERE ${all}` : sql``;
};

/** The sort key of a list's order on papers `p`, and its type: what SQLite sorts by (papers.ts: paperSortKeys). */
function primaryKey(order: PaperOrder): { expr: SQL; type: SortKey['type'] } {
  switch (order.field) {
    case 'PUBLISHED_AT':
      return { expr: sql`p.published_at`, type: 'string' };
    case 'LISTED_ON':
      return { expr: sql`p.listed_on`, type: 'string' };
    case 'UPVOTES':
      return { expr: sql`p.upvotes`, type: 'number' };
    case 'TRENDING': {
      const window = order.window ?? 'WEEK';
      if (window === 'ALL') return { expr: sql`p.upvotes`, type: 'number' };
      return { expr: sql`trending(p.id, p.upvotes, p.listed_on, ${order.asOfMs ?? 0}::double precision, ${WINDOW_HOURS[window]}::double precision)`, type: 'number' };
    }
  }
}

/** Keys of rows of a subquery `t` that selected sort_key and tie_key (ascending: the arXiv id, or a search's paper id). */
const keysOf = (direction: 'asc' | 'desc', type: SortKey['type'], tieType: SortKey['type']): SortKey[] => [
  { expr: sql`t.sort_key`, direction, type },
  { expr: sql`t.tie_key`, direction: 'asc', type: tieType },
];

/** A list's sort key on papers `p`, and the keyset of its page over the subquery `t` that selected it, ties by arXiv id. */
function orderedBy(order: PaperOrder, request: PageRequest) {
  const { expr, type } = primaryKey(order);
  return { expr, query: keysetQuery(keysOf(order.direction === 'ASC' ? 'asc' : 'desc', type, 'string'), request) };
}

const keyOf = (row: Row): KeyValue[] => [row.sort_key as KeyValue, row.tie_key as KeyValue];

export function postgresCatalogue(database: PostgresDatabase): Catalogue {
  // Every statement here reads: from a replica where there are replicas (DATABASE_REPLICA_URLS).
  const db = database.reads;
  const rows = async <R = Row>(query: SQL): Promise<R[]> => (await db.execute(query)).rows as R[];
  const count = async (query: SQL): Promise<number> => Number((await rows<{ n: number }>(query))[0]?.n ?? 0);

  /** A page of papers under `filter` in `order`. */
  async function pageOfPapers(filter: PaperFilter, order: PaperOrder, request: PageRequest, columns: PaperColumns): Promise<Page<Row>> {
    const { expr, query } = orderedBy(order, request);
    const found = await rows(sql`
      SELECT * FROM (SELECT ${columnsOf(columns)}, ${expr} AS sort_key, p.arxiv_id AS tie_key FROM papers p ${where(conditions(filter))}) t
      ${where(query.where)} ORDER BY ${sql.join(query.orderBy, sql`, `)} LIMIT ${query.limit}`);
    return query.page(found, keyOf);
  }

  const toPapers = <C extends PaperColumns>(page: Page<Row>): Page<PaperOf<C>> => ({ ...page, rows: page.rows.map(({ row, key }) => ({ row: paperOf<C>(row), key })) });

  async function byArxivIds(arxivIds: readonly string[], columns: PaperColumns, organization: boolean): Promise<Row[]> {
    if (arxivIds.length === 0) return [];
    return rows(sql`SELECT ${columnsOf(columns)}${organization ? sql`, ${ORGANIZATION}` : sql``}
      FROM papers p ${organization ? sql`LEFT JOIN organizations o ON o.id = p.organization_id` : sql``}
      WHERE p.arxiv_id = ANY(${sql.param([...arxivIds])}::text[])`);
  }

  const AUTHOR = sql.raw(`a.id, a.name, a.name_key AS "nameKey", a.account_name AS "accountName", a.paper_count AS "paperCount"`);
  const ORGANIZATION_ROW = sql.raw(`o.id, o.slug, o.name, o.name_key AS "nameKey", o.avatar_url AS "avatarUrl", o.paper_count AS "paperCount"`);
  const AUTHOR_KEYS = [
    { expr: sql`a.paper_count`, direction: 'desc', type: 'number' },
    { expr: sql`a.name_key`, direction: 'asc', type: 'string' },
  ] satisfies SortKey[];
  const ORGANIZATION_KEYS: Record<'PAPER_COUNT' | 'NAME', SortKey[]> = {
    PAPER_COUNT: [
      { expr: sql`o.paper_count`, direction: 'desc', type: 'number' },
      { expr: sql`o.slug`, direction: 'asc', type: 'string' },
    ],
    NAME: [
      { expr: sql`o.name_key`, direction: 'asc', type: 'string' },
      { expr: sql`o.slug`, direction: 'asc', type: 'string' },
    ],
  };
  const authorsNamed = (words: readonly string[]) => sql`name_words(a.name) @@ name_prefixes(${sql.param([...words])}::text[])`;
  const organizationsNamed = (words: readonly string[] | null) =>
    words === null ? undefined : sql`(name_words(o.name) || name_words(o.slug)) @@ name_prefixes(${sql.param([...words])}::text[])`;

  /** The ORDER BY and keys of a search in `order`, over papers `p` matching `q`. */
  function searchKeys(order: SearchOrder): { key: SQL; tie: SQL; keys: SortKey[] } {
    // bm25 on SQLite ranks best first by its most negative value: the negated
    // ts_rank_cd is the same kind of key (edges' score is its negation on both).
    if (order === 'RELEVANCE') return { key: sql`-ts_rank_cd(p.search, q.q)`, tie: sql`p.id`, keys: keysOf('asc', 'number', 'number') };
    if (order === 'UPVOTES') return { key: sql`p.upvotes`, tie: sql`p.arxiv_id`, keys: keysOf('desc', 'number', 'string') };
    return { key: sql`p.published_at`, tie: sql`p.arxiv_id`, keys: keysOf('desc', 'string', 'string') };
  }

  const query = (expression: string) => sql`(SELECT to_tsquery('catalogue', ${expression}) AS q) q`;

  // Asked by every request (the default asOf): read again only when the catalogue changes.
  let latest: { version: string; day: Promise<string | null> } | null = null;
  function latestListingDay(): Promise<string | null> {
    const version = database.dataVersion();
    if (latest?.version !== version) {
      const read = rows<{ day: string | null }>(sql`SELECT max(listed_on) AS day FROM papers`).then(([row]) => row?.day ?? null);
      const memo = { version, day: read };
      read.catch(() => latest === memo && (latest = null));
      latest = memo;
    }
    return latest.day;
  }

  const catalogue: Catalogue = {
    dataVersion: () => database.dataVersion(),

    async readiness(): Promise<Readiness> {
      try {
        return migratedReadiness(await count(sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`), SHIPPED_PG_MIGRATIONS);
      } catch (error) {
        return unreadable(error);
      }
    },

    async syncStatus() {
      const [last] = await rows<{ finishedAt: string | null; papersAdded: number }>(
        sql`SELECT finished_at AS "finishedAt", papers_added AS "papersAdded" FROM sync_runs WHERE status = 'ok' ORDER BY finished_at DESC LIMIT 1`,
      );
      const [totals] = await rows<{ failed: number; added: number }>(
        sql`SELECT (count(*) FILTER (WHERE status = 'failed'))::int AS failed, coalesce(sum(papers_added), 0)::int AS added FROM sync_runs`,
      );
      return {
        lastSuccessMs: last?.finishedAt ? Date.parse(last.finishedAt) : null,
        lastPapersAdded: last?.papersAdded ?? 0,
        papersAdded: totals?.added ?? 0,
        failedRuns: totals?.failed ?? 0,
      };
    },

    papersByArxivIds: async (arxivIds, columns) => (await byArxivIds(arxivIds, columns, false)).map((r) => paperOf(r)),

    async papersWithOrganizationsByArxivIds(arxivIds, columns) {
      const found = await byArxivIds(arxivIds, columns, true);
      const organizations = organizationsOf(found);
      return found.map((r, i) => ({ paper: paperOf(r), organization: organizations[i]! }));
    },

    async paperIdsByArxivIds(arxivIds) {
      if (arxivIds.length === 0) return new Map();
      const found = await rows<{ id: number; arxivId: string }>(sql`SELECT id, arxiv_id AS "arxivId" FROM papers WHERE arxiv_id = ANY(${sql.param([...arxivIds])}::text[])`);
      return new Map(found.map((r) => [r.arxivId, r.id]));
    },

    async paperTexts(ids) {
      const found = await rows<PaperTexts & { id: number }>(
        sql`SELECT id, abstract, ai_summary AS "aiSummary", ai_keywords AS "aiKeywords" FROM papers WHERE id = ANY(${sql.param([...ids])}::int[])`,
      );
      return new Map(found.map(({ id, ...texts }) => [id, texts]));
    },

    listPapers: async (filter, order, request, columns) => toPapers(await pageOfPapers(filter, order, request, columns)),

    countPapers: (filter) => count(sql`SELECT count(*)::int AS n FROM papers p ${where(conditions(filter))}`),

    async listPapersByGroup<C extends PaperColumns>(group: PaperGroups, filter: PaperFilter, order: PaperOrder, request: PageRequest, columns: C) {
      const ids = sql.param([...group.ids]);
      const { expr, query } = orderedBy(order, request);
      const [from, groupId] =
        group.by === 'organization'
          ? [sql`papers p`, sql`p.organization_id`]
          : [sql`papers p JOIN paper_authors pa ON pa.paper_id = p.id`, sql`pa.author_id`];
      // Each group's rows numbered by the list's order and cut after the page, in one statement.
      const found = await rows(sql`
        SELECT * FROM (
          SELECT t.*, row_number() OVER (PARTITION BY t.group_id ORDER BY ${sql.join(query.orderBy, sql`, `)}) AS rank FROM (
            SELECT ${columnsOf(columns)}, ${expr} AS sort_key, p.arxiv_id AS tie_key, ${groupId} AS group_id
            FROM ${from} ${where(sql`${groupId} = ANY(${ids}::int[])`, conditions(filter))}) t
          ${where(query.where)}) r
        WHERE rank <= ${query.limit} ORDER BY group_id, rank`);
      const byGroup = new Map<number, Row[]>(group.ids.map((id) => [id, []]));
      for (const row of found) byGroup.get(row.group_id as number)?.push(row);
      return new Map([...byGroup].map(([id, list]) => [id, toPapers<C>(query.page(list, keyOf))]));
    },

    async countPapersByGroup(group, filter) {
      const ids = sql.param([...group.ids]);
      const filtered = conditions(filter);
      const found = await rows<{ id: number; n: number }>(
        group.by === 'organization'
          ? sql`SELECT p.organization_id AS id, count(*)::int AS n FROM papers p ${where(sql`p.organization_id = ANY(${ids}::int[])`, filtered)} GROUP BY 1`
          : filtered
            ? sql`SELECT pa.author_id AS id, count(*)::int AS n FROM papers p JOIN paper_authors pa ON pa.paper_id = p.id ${where(sql`pa.author_id = ANY(${ids}::int[])`, filtered)} GROUP BY 1`
            : sql`SELECT author_id AS id, count(*)::int AS n FROM paper_authors WHERE author_id = ANY(${ids}::int[]) GROUP BY 1`, // as on SQLite: the links alone
      );
      return new Map(found.map((r) => [r.id, r.n]));
    },

    latestListingDay,

    async adjacentListingDay(day, side) {
      const found = await rows<{ day: string | null }>(
        side === 'before' ? sql`SELECT max(listed_on) AS day FROM papers WHERE listed_on < ${day}` : sql`SELECT min(listed_on) AS day FROM papers WHERE listed_on > ${day}`,
      );
      return found[0]?.day ?? null;
    },

    async upvoteHistoryOf(paperIds) {
      const byPaper = new Map<number, UpvoteCount[]>(paperIds.map((id) => [id, []]));
      const found = await rows<UpvoteCount & { paperId: number }>(sql`
        SELECT paper_id AS "paperId", date, upvotes, github_stars AS "githubStars" FROM upvote_history
        WHERE paper_id = ANY(${sql.param([...byPaper.keys()])}::int[]) ORDER BY paper_id, date`);
      for (const { paperId, ...counted } of found) byPaper.get(paperId)!.push(counted);
      return paperIds.map((id) => byPaper.get(id)!);
    },

    authorsByIds: (ids) => rows<AuthorRow>(sql`SELECT ${AUTHOR} FROM authors a WHERE a.id = ANY(${sql.param([...ids])}::int[])`),

    async authorsOfPapers(paperIds, columns) {
      const byPaper = new Map<number, AuthorRow[]>(paperIds.map((id) => [id, []]));
      // Joined from the list of ids, which the planner knows to be short: "= ANY(…)" made it hash the whole authors table.
      const found = await rows<AuthorRow & { paperId: number }>(sql`
        SELECT pa.paper_id AS "paperId", ${columns === 'names' ? sql`a.id, a.name` : AUTHOR}
        FROM unnest(${sql.param([...byPaper.keys()])}::int[]) AS ids(id)
        JOIN paper_authors pa ON pa.paper_id = ids.id JOIN authors a ON a.id = pa.author_id
        ORDER BY pa.paper_id, pa.position`);
      for (const { paperId, ...author } of found) byPaper.get(paperId)!.push(author);
      return byPaper;
    },

    async searchAuthors(words, request) {
      const query = keysetQuery(AUTHOR_KEYS, request);
      const found = await rows<AuthorRow>(sql`SELECT ${AUTHOR} FROM authors a ${where(authorsNamed(words), query.where)} ORDER BY ${sql.join(query.orderBy, sql`, `)} LIMIT ${query.limit}`);
      return query.page(found, (a) => [a.paperCount, a.nameKey]);
    },

    countAuthors: (words) => count(sql`SELECT count(*)::int AS n FROM authors a ${where(authorsNamed(words))}`),

    catalogueSizes: async () => (await rows<CatalogueSizes>(CATALOGUE_SIZES))[0]!,

    organizationsByIds: (ids) => rows<OrganizationRow>(sql`SELECT ${ORGANIZATION_ROW} FROM organizations o WHERE o.id = ANY(${sql.param([...ids])}::int[])`),

    organizationsBySlugs: (slugs) => rows<OrganizationRow>(sql`SELECT ${ORGANIZATION_ROW} FROM organizations o WHERE o.slug = ANY(${sql.param([...slugs])}::text[])`),

    async listOrganizations(words, order, request) {
      const query = keysetQuery(ORGANIZATION_KEYS[order], request);
      const found = await rows<OrganizationRow>(
        sql`SELECT ${ORGANIZATION_ROW} FROM organizations o ${where(organizationsNamed(words), query.where)} ORDER BY ${sql.join(query.orderBy, sql`, `)} LIMIT ${query.limit}`,
      );
      return query.page(found, (o) => (order === 'NAME' ? [o.nameKey, o.slug] : [o.paperCount, o.slug]));
    },

    countOrganizations: (words) => count(sql`SELECT count(*)::int AS n FROM organizations o ${where(organizationsNamed(words))}`),

    searchExpression: (input) => tsQueryOf(db, input),

    async searchPapers<C extends PaperColumns>(expression: string, filter: PaperFilter, order: SearchOrder, request: PageRequest, columns: C, organization: boolean) {
      const { key, tie, keys } = searchKeys(order);
      const page = keysetQuery(keys, request);
      // The page is chosen first; only its papers are highlighted (ts_headline reads the whole text).
      const found = await rows(sql`
        SELECT t.*, ts_rank_cd(p.search, q.q) AS h_score,
          ${headline(sql`p.title`, 'HighlightAll=true')} AS h_title,
          ${headline(sql`p.abstract`, 'MaxWords=40, MinWords=20, ShortWord=0')} AS h_snippet,
          p.abstract AS h_abstract${organization ? sql`, ${ORGANIZATION}` : sql``}
        FROM (
          SELECT * FROM (SELECT ${columnsOf(columns)}, ${key} AS sort_key, ${tie} AS tie_key FROM papers p, ${query(expression)} ${where(sql`p.search @@ q.q`, conditions(filter))}) t
          ${where(page.where)} ORDER BY ${sql.join(page.orderBy, sql`, `)} LIMIT ${page.limit}
        ) t
        JOIN papers p ON p.id = t.id CROSS JOIN ${query(expression)}
        ${organization ? sql`LEFT JOIN organizations o ON o.id = p.organization_id` : sql``}
        ORDER BY ${sql.join(page.orderBy, sql`, `)}`);
      const chosen = page.page(found, keyOf) as Page<Row>;
      const organizations = organization ? organizationsOf(chosen.rows.map((r) => r.row)) : null;
      return {
        ...chosen,
        rows: chosen.rows.map(({ row, key: k }, i): { row: SearchHit<PaperOf<C>>; key: KeyValue[] } => ({
          key: k,
          row: {
            paper: paperOf<C>(row),
            score: row.h_score as number,
            titleHighlight: markup(unmasked(row.h_title as string)),
            abstractSnippet: markup(snippet(unmasked(row.h_snippet as string), row.h_abstract as string)),
            organization: organizations?.[i],
          },
        })),
      };
    },

    countSearch: (expression, filter) => count(sql`SELECT count(*)::int AS n FROM papers p, ${query(expression)} ${where(sql`p.search @@ q.q`, conditions(filter))}`),

    countWordsStartingWith: (prefix) => countWordsStartingWith(db, prefix),

    relatedPapers: (ids, request, columns) => pgRelatedPapers(db, catalogue.papersByArxivIds, ids, request, columns),

    recommendedPapers: (liked, disliked, filter, bounded, request, columns, matching) =>
      pgRecommendedPapers(db, catalogue.papersByArxivIds, liked, disliked, conditions(filter, 'papers'), bounded, request, columns, matching ?? null),
  };
  return catalogue;
}

/**
 * What stands for "<" in the texts given to ts_headline: its parser reads
 * "<b>" or "<think>" as an HTML tag, which a snippet drops (an abstract's
 * "<b>tags</b>" came back " tags ") and a highlight never marks a word of.
 * A character of Unicode's private use, as OPEN and CLOSE are.
 */
const LESS_THAN = '\u{F0003}';

/** A text highlighted where `q.q` matches it, with `options`, its "<" kept as it is. */
const headline = (text: SQL, options: string): SQL =>
  sql`ts_headline('catalogue', replace(${text}, '<', ${LESS_THAN}), q.q, ${`${options}, StartSel=${OPEN}, StopSel=${CLOSE}`})`;

const unmasked = (highlighted: string): string => highlighted.replaceAll(LESS_THAN, '<');

/** An excerpt as SQLite's snippet() gives it: "…" where it cuts the abstract short. */
function snippet(marked: string, abstract: string): string {
  const plain = marked.replaceAll(OPEN, '').replaceAll(CLOSE, '');
  return `${abstract.startsWith(plain) ? '' : '…'}${marked}${abstract.endsWith(plain) ? '' : '…'}`;
}
