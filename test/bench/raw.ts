// The raw baseline: what a hand-written REST endpoint would do for each bench
// scenario. Hand-written SQL on better-sqlite3, every statement prepared once
// and reused, the answer built as plain objects and JSON.stringify'd: no
// GraphQL, no drizzle, no DataLoader. The answers must equal the GraphQL
// server's byte for byte (run.ts checks it before measuring), so this file
// mirrors what the GraphQL answers contain (field order included), not how
// src/ computes them.
//
// Only the trending score and the search box language are taken from src/:
// the score is a formula (the same SQL function orders the list and gives the
// floats), and parsing the query into an FTS5 expression is input handling
// that any endpoint would share.
import Sqlite from 'better-sqlite3';
import { searchableWords, toMatchExpression } from '../../src/catalogue/search-query.ts';
import { registerTrendingScore } from '../../src/catalogue/trending.ts';

/** Which hand-written endpoint answers a scenario: POST /raw/<endpoint>. */
export type RawEndpoint = 'trending' | 'paper' | 'organizationPapers' | 'digestWeek' | 'search';

export interface RawAnswer {
  /** `{"data":…}`, as the GraphQL server would send it. */
  body: string;
  /** SQL statements this answer ran. */
  statements: number;
}

export interface RawApi {
  answer(endpoint: string, variables: Record<string, unknown> | undefined): RawAnswer | null;
  close(): void;
}

const PAGE = 20;
const DAY_MS = 86_400_000;
const dayStart = (day: string): number => Date.parse(`${day}T00:00:00Z`);
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const addDays = (day: string, n: number): string => dayOf(dayStart(day) + n * DAY_MS);
const dayAtOrAfter = (ms: number): string => dayOf(Math.ceil(ms / DAY_MS) * DAY_MS);

// Private-use marks for highlight() and snippet(), turned into <mark> tags after
// the text around them is HTML-escaped (the text itself never holds them).
const OPEN = '\u{F0001}';
const CLOSE = '\u{F0002}';
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const markup = (marked: string): string =>
  marked
    .replace(/[&<>"']/gu, (c) => ENTITIES[c]!)
    .replaceAll(OPEN, '<mark>')
    .replaceAll(CLOSE, '</mark>');

/** `?, ?, …` for a page of ids: one statement for any page, padded with ids that do not exist. */
const PAGE_SLOTS = Array.from({ length: PAGE }, () => '?').join(', ');
const padded = (ids: number[]): number[] => [...ids, ...Array.from({ length: PAGE - ids.length }, () => -1)];

interface SearchFilter {
  organizations?: string[] | null;
  listed?: { from?: string | null; to?: string | null } | null;
}

export function openRawApi(file: string): RawApi {
  const sqlite = new Sqlite(file);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('mmap_size = 1073741824');
  registerTrendingScore(sqlite);

  let statements = 0;
  /** A prepared statement whose runs are counted. */
  function prepare<Row>(source: string) {
    const statement = sqlite.prepare(source);
    return {
      all: (...params: unknown[]): Row[] => {
        statements++;
        return statement.all(...params) as Row[];
      },
      get: (...params: unknown[]): Row | undefined => {
        statements++;
        return statement.get(...params) as Row | undefined;
      },
    };
  }

  const latestDay = prepare<{ day: string | null }>('SELECT max(listed_on) AS day FROM papers');
  const authorsOfPage = prepare<{ paperId: number; name: string }>(
    `SELECT pa.paper_id AS paperId, a.name FROM paper_authors pa JOIN authors a ON a.id = pa.author_id
     WHERE pa.paper_id IN (${PAGE_SLOTS}) ORDER BY pa.paper_id, pa.position`,
  );
  const authorsOfPaper = prepare<{ name: string }>(
    'SELECT a.name FROM paper_authors pa JOIN authors a ON a.id = pa.author_id WHERE pa.paper_id = ? ORDER BY pa.position',
  );

  /** `[{name}, …]` of each paper of a page, in author order. */
  function authorLists(ids: number[]): Map<number, { name: string }[]> {
    const byPaper = new Map<number, { name: string }[]>(ids.map((id) => [id, []]));
    if (ids.length > 0) for (const { paperId, name } of authorsOfPage.all(...padded(ids))) byPaper.get(paperId)!.push({ name });
    return byPaper;
  }

  // The week's papers: listed in it, or whose upvotes changed in it (a history row after their first); scored by their history.
  const trendingPage = prepare<{ id: number; arxivId: string; title: string; upvotes: number; score: number; org: string | null }>(
    `SELECT p.id, p.arxiv_id AS arxivId, p.title, p.upvotes, o.name AS org,
       coalesce((SELECT trending_momentum(h.date, h.upvotes, p.listed_on, @asOf, 168) FROM upvote_history h WHERE h.paper_id = p.id),
                trending_score(p.upvotes, p.listed_on, @asOf, 168)) AS score
     FROM papers p LEFT JOIN organizations o ON o.id = p.organization_id
     WHERE p.listed_on <= @to AND (p.listed_on >= @from OR p.id IN (
       SELECT h.paper_id FROM upvote_history h
       WHERE h.date >= @from AND h.date <= @to AND EXISTS (SELECT 1 FROM upvote_history e WHERE e.paper_id = h.paper_id AND e.date < h.date)))
     ORDER BY score DESC, p.arxiv_id
     LIMIT ${PAGE}`,
  );

  function trending() {
    const day = latestDay.get()!.day;
    // As trendingPapers(first: 20): asOf the end of the latest listing day, window WEEK.
    const asOf = day === null ? Date.now() : dayStart(day) + DAY_MS;
    const rows = trendingPage.all({ from: dayAtOrAfter(asOf - 7 * 24 * 3_600_000), to: addDays(dayAtOrAfter(asOf), -1), asOf });
    const authors = authorLists(rows.map((r) => r.id));
    return {
      trendingPapers: {
        nodes: rows.map((r) => ({
          arxivId: r.arxivId,
          title: r.title,
          upvotes: r.upvotes,
          trendingScore: r.score,
          authors: authors.get(r.id)!,
          organization: r.org === null ? null : { name: r.org },
        })),
      },
    };
  }

  const paperByArxivId = prepare<{ id: number; title: string; org: string | null }>(
    `SELECT p.id, p.title, o.name AS org FROM papers p LEFT JOIN organizations o ON o.id = p.organization_id WHERE p.arxiv_id = ?`,
  );

  function paper(variables: Record<string, unknown>) {
    // The bench asks for a bare id; a version suffix is dropped as the API does.
    const arxivId = String(variables.arxivId).trim().replace(/v\d+$/u, '');
    const row = paperByArxivId.get(arxivId);
    if (!row) return { paper: null };
    return { paper: { title: row.title, authors: authorsOfPaper.all(row.id), organization: row.org === null ? null : { name: row.org } } };
  }

  const organizationBySlug = prepare<{ id: number; name: string }>('SELECT id, name FROM organizations WHERE slug = ?');
  const organizationPage = prepare<{ id: number; arxivId: string; title: string }>(
    `SELECT id, arxiv_id AS arxivId, title FROM papers WHERE organization_id = ?
     ORDER BY published_at DESC, arxiv_id LIMIT ${PAGE}`,
  );

  function organizationPapers(variables: Record<string, unknown>) {
    const organization = organizationBySlug.get(String(variables.slug).trim().toLowerCase());
    if (!organization) return { organization: null };
    const rows = organizationPage.all(organization.id);
    const authors = authorLists(rows.map((r) => r.id));
    return {
      organization: {
        name: organization.name,
        papers: { nodes: rows.map((r) => ({ arxivId: r.arxivId, title: r.title, authors: authors.get(r.id)! })) },
      },
    };
  }

  const listedCount = prepare<{ n: number }>('SELECT count(*) AS n FROM papers WHERE listed_on >= ? AND listed_on <= ?');
  const listedByUpvotes = prepare<{ arxivId: string; title: string; upvotes: number }>(
    `SELECT arxiv_id AS arxivId, title, upvotes FROM papers WHERE listed_on >= ? AND listed_on <= ?
     ORDER BY upvotes DESC, arxiv_id LIMIT ${PAGE}`,
  );

  function digestWeek() {
    const day = latestDay.get()!.day;
    if (day === null) return { digest: null };
    // The ISO week (Monday to Sunday) of the latest listing day.
    const start = addDays(day, -((new Date(dayStart(day)).getUTCDay() + 6) % 7));
    const end = addDays(start, 6);
    const nodes = listedByUpvotes.all(start, end);
    return { digest: { startDate: start, endDate: end, papers: { totalCount: listedCount.get(start, end)!.n, nodes } } };
  }

  const prefixWords = prepare<{ word: string }>(
    'SELECT word FROM search_words WHERE word >= ? AND word < ? ORDER BY length(word), word LIMIT 64',
  );
  const expand = (prefix: string): string[] => {
    const [start] = searchableWords(prefix);
    return start ? prefixWords.all(start, `${start}\u{10FFFF}`).map((r) => r.word) : [];
  };

  const searchDetails = prepare<{ id: number; arxivId: string; title: string; org: string | null; highlight: string; snippet: string }>(
    `SELECT p.id, p.arxiv_id AS arxivId, p.title, o.name AS org,
       highlight(papers_fts, 0, '${OPEN}', '${CLOSE}') AS highlight,
       snippet(papers_fts, 1, '${OPEN}', '${CLOSE}', '…', 40) AS snippet
     FROM papers_fts JOIN papers p ON p.id = papers_fts.rowid LEFT JOIN organizations o ON o.id = p.organization_id
     WHERE papers_fts MATCH ? AND papers_fts.rowid IN (${PAGE_SLOTS})`,
  );

  /** The ranking and counting statements of one shape of filter, prepared the first time that shape is asked for. */
  const searchShapes = new Map<string, { hits: ReturnType<typeof prepare<{ id: number; rank: number }>>; count: ReturnType<typeof prepare<{ n: number }>> }>();
  function searchStatements(filter: SearchFilter) {
    const conditions: string[] = [];
    if (filter.organizations) conditions.push('organization_id IN (SELECT id FROM organizations WHERE slug IN (SELECT value FROM json_each(@organizations)))');
    if (filter.listed?.from) conditions.push('listed_on >= @from');
    if (filter.listed?.to) conditions.push('listed_on <= @to');
    const shape = conditions.join(' AND ');
    let found = searchShapes.get(shape);
    if (!found) {
      // Only ids and ranks pass through the sort, and papers is not joined per
      // match: a filter is the set of paper ids that meet it.
      const where = shape === '' ? 'papers_fts MATCH @match' : `papers_fts MATCH @match AND rowid IN (SELECT id FROM papers WHERE ${shape})`;
      found = {
        hits: prepare(`SELECT rowid AS id, rank FROM papers_fts WHERE ${where} ORDER BY rank, rowid LIMIT ${PAGE}`),
        count: prepare(`SELECT count(*) AS n FROM papers_fts WHERE ${where}`),
      };
      searchShapes.set(shape, found);
    }
    return found;
  }

  function search(variables: Record<string, unknown>) {
    const match = toMatchExpression(String(variables.query), expand);
    const filter = (variables.filter ?? {}) as SearchFilter;
    const { hits, count } = searchStatements(filter);
    const params: Record<string, unknown> = { match };
    if (filter.organizations) params.organizations = JSON.stringify(filter.organizations.map((s) => s.toLowerCase()));
    if (filter.listed?.from) params.from = filter.listed.from;
    if (filter.listed?.to) params.to = filter.listed.to;
    const ranked = hits.all(params);
    const totalCount = count.get(params)!.n;
    const ids = ranked.map((h) => h.id);
    const details = new Map(ids.length > 0 ? searchDetails.all(match, ...padded(ids)).map((d) => [d.id, d]) : []);
    const authors = authorLists(ids);
    return {
      searchPapers: {
        totalCount,
        edges: ranked.map(({ id, rank }) => {
          const d = details.get(id)!;
          return {
            score: -rank,
            titleHighlight: markup(d.highlight),
            abstractSnippet: markup(d.snippet),
            node: { arxivId: d.arxivId, title: d.title, authors: authors.get(id)!, organization: d.org === null ? null : { name: d.org } },
          };
        }),
      },
    };
  }

  const endpoints: Record<RawEndpoint, (variables: Record<string, unknown>) => unknown> = {
    trending,
    paper,
    organizationPapers,
    digestWeek,
    search,
  };

  return {
    answer(endpoint, variables) {
      const handler = endpoints[endpoint as RawEndpoint] as ((variables: Record<string, unknown>) => unknown) | undefined;
      if (!handler) return null;
      const before = statements;
      const data = handler(variables ?? {});
      return { body: JSON.stringify({ data }), statements: statements - before };
    },
    close: () => sqlite.close(),
  };
}
