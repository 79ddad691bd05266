// Search on PostgreSQL: the same query language as on SQLite
// (search-query.ts), as a tsquery over the weighted `search` tsvector of
// papers (drizzle/pg/0001_search.sql). The set of papers a query finds is the
// same as FTS5's on SQLite (test/postgres-copy.test.ts compares them); the
// ranking (ts_rank_cd against bm25) may differ.
import { and, gte, lt, sql } from 'drizzle-orm';
import { papers, searchWords } from '../db/pg-schema.ts';
import type { PgDb } from '../db/postgres.ts';
import { MAX_PREFIX_WORDS, searchTerms, searchableWords, toTsQuery } from './search-query.ts';

/** Up to MAX_PREFIX_WORDS known words starting with `prefix`, shortest first, in the order SQLite gives them. */
export async function wordsStartingWith(db: PgDb, prefix: string): Promise<string[]> {
  const [start] = searchableWords(prefix);
  if (!start) return [];
  const word = sql`${searchWords.word} COLLATE "C"`;
  const rows = await db
    .select({ word: searchWords.word })
    .from(searchWords)
    .where(and(gte(word, start), lt(word, `${start}\u{10FFFF}`)))
    .orderBy(sql`length(${searchWords.word})`, word)
    .limit(MAX_PREFIX_WORDS);
  return rows.map((r) => r.word);
}

/** A search as the tsquery text that to_tsquery('catalogue', …) takes: its prefixes expanded first. Throws SearchSyntaxError. */
export async function tsQueryOf(db: PgDb, input: string): Promise<string> {
  // Looked up before rendering, which asks for them synchronously.
  const expansions = new Map<string, string[]>();
  for (const prefix of searchTerms(input).prefixes) if (!expansions.has(prefix)) expansions.set(prefix, await wordsStartingWith(db, prefix));
  return toTsQuery(input, (prefix) => expansions.get([...searchableWords(prefix)][0] ?? '') ?? []);
}

/** The arXiv ids of every paper a search finds. */
export async function matchingArxivIds(db: PgDb, input: string): Promise<string[]> {
  const query = await tsQueryOf(db, input);
  const rows = await db
    .select({ arxivId: papers.arxivId })
    .from(papers)
    .where(sql`${papers.search} @@ to_tsquery('catalogue', unaccent(${query}))`);
  return rows.map((r) => r.arxivId);
}
