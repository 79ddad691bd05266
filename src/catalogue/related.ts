// Related papers and recommendations, over the term index (terms.ts).
//
// related(p): the papers sharing p's strongest terms, scored by the sum over
// shared terms of p's tf-idf weight (normalized) × theirs (tf weight × idf),
// plus lesser bonuses for shared authors and the same organization. One
// statement serves the parents of a whole page. It reads only p's strongest
// QUERY_TERMS terms, and only terms in at most DF_CAP of the papers: a word
// in a third of the catalogue says little and would read a third of it.
//
// recommended(liked, disliked): Rocchio's query, the mean of the liked
// papers' vectors minus half the mean of the disliked ones, matched against
// the papers listed in the window in the same way.
import { and, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import type { KeyValue, Page } from './keyset.ts';
import { paperConditions, papersByArxivIds, type PaperColumns, type PaperFilter, type PaperOf } from './papers.ts';

/** How many of a paper's (or a taste's) strongest terms a query reads. */
export const QUERY_TERMS = 20;
/** Terms found in more than this share of the papers are not read (they say little). */
export const DF_CAP = 0.1;
/**
 * Postings read per term, strongest first (paper_terms_term_weight_idx): the
 * papers where the term weighs most. What bounds a query on a large catalogue.
 */
export const POSTINGS = { related: 200, recommended: 1000 };
/** Terms a recommendation is penalized by, from the disliked papers. */
const NEGATIVE_TERMS = 12;
/** What a shared author adds to a score (at most three count), and the same organization. */
export const SIGNALS = { author: 0.25, organization: 0.2 };
/** Authors of more papers than this are not a signal (and would read all their papers). */
export const MAX_AUTHOR_PAPERS = 200;
/** Rocchio's weight of the disliked papers against the liked ones. */
const DISLIKED_WEIGHT = 0.5;
/** Liked (and disliked) papers a recommendation takes at most, wherever it is asked for. */
export const MAX_TASTE_PAPERS = 50;
/** Why a list of `n` liked or disliked ids is refused, or null when it is not too long. */
export const tooManyForTaste = (n: number): string | null => (n > MAX_TASTE_PAPERS ? `holds ${n} ids; at most ${MAX_TASTE_PAPERS} are allowed` : null);

export interface Because {
  /** Shared terms, strongest first, as written in the paper. */
  terms: string[];
  /** Shared authors' names. */
  authors: string[];
  /** The organization both papers were submitted under, if the same. */
  organization: string | null;
}

export interface RelatedHit<P> {
  paper: P;
  score: number;
  because: Because;
}

const plainList = (items: string[]): string => (items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : (items[0] ?? ''));
const quotedList = (items: string[]): string => plainList(items.map((item) => `“${item}”`));

/**
 * The reasons in one line, as a reader sees them in a digest, a feed or the
 * widget: "Shares “attention” and “rank”; also by Jane Doe; also from NVIDIA".
 */
export function reasonOf(because: Because): string {
  const parts = [
    because.terms.length ? `shares ${quotedList(because.terms)}` : null,
    because.authors.length ? `also by ${plainList(because.authors)}` : null,
    because.organization ? `also from ${because.organization}` : null,
  ].filter((part) => part !== null);
  const line = parts.join('; ') || 'close in its words';
  return line[0]!.toUpperCase() + line.slice(1);
}

/**
 * What is wrong with a taste (paper ids), if anything: the list at fault, the
 * position of the paper at fault in it (if one is), and why.
 */
export function tasteProblem(liked: readonly number[], disliked: readonly number[]): { list: 'liked' | 'disliked'; index: number | null; problem: string } | null {
  for (const [list, ids] of [['liked', liked], ['disliked', disliked]] as const) {
    const tooMany = tooManyForTaste(ids.length);
    if (tooMany) return { list, index: null, problem: tooMany };
  }
  if (liked.length === 0 && disliked.length > 0) return { list: 'liked', index: null, problem: 'is empty: disliked papers rank nothing without at least one liked paper' };
  const likedIds = new Set(liked);
  const both = disliked.findIndex((id) => likedIds.has(id));
  if (both >= 0) return { list: 'disliked', index: both, problem: 'names a paper that is liked too' };
  return null;
}

/** Where a page of a ranked list starts: after this score and arXiv id, or at the top. */
export interface RankedRequest {
  size: number;
  after: [number, string] | null;
}

/** Terms listed in `because`, at most. */
const BECAUSE_TERMS = 5;
const SEP = '\u001f';
const split = (list: string | null, n = Infinity): string[] => (list ? [...new Set(list.split(SEP))].slice(0, n) : []);

/** A row of the ranked lists' statements. */
export interface RankedRow {
  pid: number;
  arxivId: string;
  score: number;
  terms: string | null;
  authors: string | null;
  organization: string | null;
  total: number;
}

/** A page of a ranked list, and how many the whole list holds. */
export type RankedPage<P> = Page<RelatedHit<P>> & { total: number };

/**
 * What the ranked lists' SQL writes differently on SQLite and on PostgreSQL;
 * the rest of the statements is the same on both.
 */
export interface RankingDialect {
  /** The ids of a list as a one-column table of `value`. */
  ids(ids: readonly number[]): SQL;
  greatest(a: SQL, b: SQL): SQL;
  least(a: SQL, b: SQL): SQL;
  /** `values` joined by the unit separator, in `order` if given. */
  joined(values: SQL, order?: SQL): SQL;
}

export const SQLITE_RANKING: RankingDialect = {
  ids: (ids) => sql`SELECT value FROM json_each(${JSON.stringify(ids)})`,
  greatest: (a, b) => sql`max(${a}, ${b})`,
  least: (a, b) => sql`min(${a}, ${b})`,
  joined: (values, order) => sql`group_concat(${values}, char(31)${order ? sql` ORDER BY ${order}` : sql``})`,
};

/** A number of this module written into the SQL: a parameter would take the type of what it meets on PostgreSQL (0.1 against an integer). */
const constant = (n: number): SQL => sql.raw(String(n));

const papersIndexed = (d: RankingDialect) => sql`(SELECT ${d.greatest(sql`df`, sql`1`)} FROM term_stats WHERE term = '')`;
const idfOf = (d: RankingDialect, df: SQL): SQL => sql`(ln((${papersIndexed(d)} + 1.0) / (${df} + 1)) + 1)`;
const dfCap = (d: RankingDialect) => d.greatest(sql`10`, sql`${papersIndexed(d)} * ${constant(DF_CAP)}`);

/**
 * The `n`-th strongest posting of each term of `top`, in index order (weight
 * descending, then paper id): a term's postings up to it are the head that
 * `inHead` reads. A term with fewer postings has all of them read.
 */
const floors = (n: number): SQL => {
  const nth = (column: string) =>
    sql`(SELECT ${sql.raw(column)} FROM paper_terms p WHERE p.term = t.term ORDER BY weight DESC, paper_id LIMIT 1 OFFSET ${n - 1})`;
  return sql`SELECT term, coalesce(${nth('weight')}, -1) AS weight, coalesce(${nth('paper_id')}, 9e18) AS "paperId" FROM (SELECT DISTINCT term FROM top) t`;
};
/** Whether posting `c` is in the head of its term's postings (`f`, from floors). Ties on weight are many, so the paper id decides among them. */
const inHead = sql`c.weight >= f.weight AND (c.weight > f.weight OR c.paper_id <= f."paperId")`;

const afterCondition = (request: RankedRequest): SQL =>
  request.after ? sql`WHERE score < ${request.after[0]} OR (score = ${request.after[0]} AND "arxivId" > ${request.after[1]})` : sql``;

/** Pages of ranked rows (one per `pid`), with their papers (read in one more statement) by arXiv id. */
export function pagesOf<P extends { arxivId: string }>(ids: readonly number[], rows: RankedRow[], request: RankedRequest, papers: readonly P[]): Map<number, RankedPage<P>> {
  const byArxivId = new Map(papers.map((p) => [p.arxivId, p]));
  const pages = new Map<number, RankedPage<P>>(ids.map((id) => [id, { rows: [], hasNextPage: false, hasPreviousPage: request.after !== null, total: 0 }]));
  for (const row of rows) {
    const page = pages.get(row.pid)!;
    page.total = Number(row.total);
    if (page.rows.length === request.size) {
      page.hasNextPage = true;
      continue;
    }
    const paper = byArxivId.get(row.arxivId);
    if (!paper) continue;
    const because = { terms: split(row.terms, BECAUSE_TERMS), authors: split(row.authors), organization: row.organization };
    page.rows.push({ row: { paper, score: row.score, because }, key: [row.score, row.arxivId] as KeyValue[] });
  }
  return pages;
}

/** The arXiv ids of the papers that ranked rows name. */
export const arxivIdsOf = (rows: readonly RankedRow[]): string[] => [...new Set(rows.map((r) => r.arxivId))];

/**
 * The statement ranking the papers related to each of `ids` (paper ids), a
 * page each. `authors: false` leaves the shared-author signal out (the
 * quality evaluation does, as it judges by it).
 */
export function relatedQuery(d: RankingDialect, ids: readonly number[], request: RankedRequest, signals: { authors: boolean } = { authors: true }): SQL {
  const coauthored = signals.authors
    ? sql`SELECT source.pid, b.paper_id AS cid, 0.0 AS content, NULL AS terms, 1 AS n, au.name AS names
        FROM source JOIN paper_authors a ON a.paper_id = source.pid
        JOIN authors au ON au.id = a.author_id AND au.paper_count <= ${MAX_AUTHOR_PAPERS}
        JOIN paper_authors b ON b.author_id = a.author_id AND b.paper_id <> source.pid`
    : sql`SELECT NULL, NULL, NULL, NULL, NULL, NULL WHERE 1 = 0`;
  return sql`
    WITH source AS (SELECT value AS pid FROM (${d.ids(ids)}) ids),
    weighted AS (
      SELECT pt.paper_id AS pid, pt.term, ts.surface, ${idfOf(d, sql`ts.df`)} AS idf, pt.weight * ${idfOf(d, sql`ts.df`)} AS w
      FROM source JOIN paper_terms pt ON pt.paper_id = source.pid JOIN term_stats ts ON ts.term = pt.term
      WHERE ts.df > 1 AND ts.df <= ${dfCap(d)}),
    top AS MATERIALIZED (
      SELECT pid, term, surface, idf, w / sqrt(sum(w * w) OVER (PARTITION BY pid)) AS w
      FROM (SELECT *, row_number() OVER (PARTITION BY pid ORDER BY w DESC, term) AS rn FROM weighted) numbered WHERE rn <= ${QUERY_TERMS}),
    floors AS MATERIALIZED (${floors(POSTINGS.related)}),
    shared AS (
      SELECT top.pid, c.paper_id AS cid, top.w * c.weight * top.idf AS content, top.surface AS terms, 0 AS n, NULL AS names
      FROM top JOIN floors f ON f.term = top.term JOIN paper_terms c ON c.term = top.term AND ${inHead}
      WHERE c.paper_id <> top.pid
      UNION ALL ${coauthored}),
    combined AS (
      SELECT pid, cid, sum(content) AS content, ${d.joined(sql`terms`, sql`content DESC`)} AS terms,
        sum(n) AS n, ${d.joined(sql`names`)} AS names
      FROM shared GROUP BY pid, cid),
    scored AS (
      SELECT combined.pid, cp.arxiv_id AS "arxivId", combined.terms, combined.names AS authors,
        CASE WHEN cp.organization_id = sp.organization_id THEN (SELECT name FROM organizations WHERE id = cp.organization_id) END AS organization,
        content + ${constant(SIGNALS.author)} * ${d.least(sql`n`, sql`3`)} + CASE WHEN cp.organization_id = sp.organization_id THEN ${constant(SIGNALS.organization)} ELSE 0 END AS score,
        count(*) OVER (PARTITION BY combined.pid) AS total
      FROM combined JOIN papers cp ON cp.id = combined.cid JOIN papers sp ON sp.id = combined.pid),
    ranked AS (SELECT *, row_number() OVER (PARTITION BY pid ORDER BY score DESC, "arxivId") AS rank FROM scored ${afterCondition(request)})
    SELECT pid, "arxivId", score, terms, authors, organization, total FROM ranked WHERE rank <= ${request.size + 1} ORDER BY pid, rank`;
}

/**
 * The statement ranking the papers under `conditions` (on `papers`; the
 * caller puts the window in them) that best fit the liked papers and least
 * the disliked ones, none of them liked or disliked themselves: a page. A
 * `bounded` window (a few months at most) is read paper by paper, the
 * taste's terms looked up in each; an unbounded one from the head of each
 * term's postings.
 */
export function recommendedQuery(
  d: RankingDialect,
  liked: readonly number[],
  disliked: readonly number[],
  conditions: SQL | undefined,
  bounded: boolean,
  request: RankedRequest,
): SQL {
  const where = conditions ? sql`AND ${conditions}` : sql``;
  const postings = bounded
    ? sql`SELECT c.paper_id, c.term, c.weight FROM papers JOIN paper_terms c ON c.paper_id = papers.id WHERE c.term IN (SELECT term FROM top) ${where}`
    : sql`SELECT c.paper_id, c.term, c.weight FROM top JOIN floors f ON f.term = top.term JOIN paper_terms c ON c.term = top.term AND ${inHead}`;
  const score = sql`sum(top.w * c.weight * top.idf)`;
  return sql`
    WITH liked AS (SELECT value AS pid FROM (${d.ids(liked)}) ids),
    disliked AS (SELECT value AS pid FROM (${d.ids(disliked)}) ids),
    taste AS (
      SELECT pt.term, ts.surface, ${idfOf(d, sql`ts.df`)} AS idf,
        sum(pt.weight * ${idfOf(d, sql`ts.df`)} * CASE WHEN pt.paper_id IN (SELECT pid FROM liked)
          THEN 1.0 / ${constant(liked.length)} ELSE ${constant(-DISLIKED_WEIGHT)} / ${constant(Math.max(disliked.length, 1))} END) AS w
      FROM paper_terms pt JOIN term_stats ts ON ts.term = pt.term
      WHERE (pt.paper_id IN (SELECT pid FROM liked) OR pt.paper_id IN (SELECT pid FROM disliked)) AND ts.df > 1 AND ts.df <= ${dfCap(d)}
      GROUP BY pt.term, ts.surface, ts.df),
    top AS MATERIALIZED (
      SELECT * FROM (SELECT *, row_number() OVER (ORDER BY w DESC, term) AS rn FROM taste WHERE w > 0) liking WHERE rn <= ${QUERY_TERMS}
      UNION ALL
      SELECT * FROM (SELECT *, row_number() OVER (ORDER BY w, term) AS rn FROM taste WHERE w < 0) disliking WHERE rn <= ${NEGATIVE_TERMS}),
    floors AS MATERIALIZED (${floors(POSTINGS.recommended)}),
    postings AS (${postings}),
    scored AS (
      SELECT 0 AS pid, papers.arxiv_id AS "arxivId", ${score} AS score,
        ${d.joined(sql`CASE WHEN top.w > 0 THEN top.surface END`, sql`top.w * c.weight DESC`)} AS terms,
        NULL AS authors, NULL AS organization
      FROM postings c JOIN top ON top.term = c.term JOIN papers ON papers.id = c.paper_id
      WHERE c.paper_id NOT IN (SELECT pid FROM liked) AND c.paper_id NOT IN (SELECT pid FROM disliked) ${where}
      GROUP BY c.paper_id, papers.arxiv_id HAVING ${score} > 0),
    counted AS (SELECT *, count(*) OVER () AS total FROM scored),
    ranked AS (SELECT * FROM counted ${afterCondition(request)})
    SELECT * FROM ranked ORDER BY score DESC, "arxivId" LIMIT ${request.size + 1}`;
}

/** The papers related to each of `ids` (paper ids), a page each, in one statement (and one for the papers' rows). */
export function relatedPapers<C extends PaperColumns>(
  db: Db,
  ids: readonly number[],
  request: RankedRequest,
  columns: C,
  signals: { authors: boolean } = { authors: true },
): Map<number, RankedPage<PaperOf<C>>> {
  if (ids.length === 0) return new Map();
  const rows = db.all<RankedRow>(relatedQuery(SQLITE_RANKING, ids, request, signals));
  return pagesOf(ids, rows, request, papersByArxivIds(db, arxivIdsOf(rows), columns));
}

/**
 * The recommendations for a taste under `filter` (recommendedQuery), a page in
 * one statement and one for the papers' rows. `matching` (an FTS5 expression,
 * search-query.ts) narrows the papers to a search's.
 */
export function recommendedPapers<C extends PaperColumns>(
  db: Db,
  liked: readonly number[],
  disliked: readonly number[],
  filter: PaperFilter,
  bounded: boolean,
  request: RankedRequest,
  columns: C,
  matching: string | null = null,
): RankedPage<PaperOf<C>> {
  const conditions = and(paperConditions(db, filter), matching === null ? undefined : sql`papers.id IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ${matching})`);
  const rows = db.all<RankedRow>(recommendedQuery(SQLITE_RANKING, liked, disliked, conditions, bounded, request));
  return pagesOf([0], rows, request, papersByArxivIds(db, arxivIdsOf(rows), columns)).get(0)!;
}

/** Paper ids by arXiv id (unknown ones left out). */
export function paperIdsByArxivIds(db: Db, arxivIds: readonly string[]): Map<string, number> {
  if (arxivIds.length === 0) return new Map();
  const rows = db.all<{ id: number; arxivId: string }>(
    sql`SELECT id, arxiv_id AS arxivId FROM papers WHERE arxiv_id IN (SELECT value FROM json_each(${JSON.stringify(arxivIds)}))`,
  );
  return new Map(rows.map((r) => [r.arxivId, r.id]));
}
