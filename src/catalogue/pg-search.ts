// Search on PostgreSQL: the same query language as on SQLite
// (search-query.ts), as a tsquery over the weighted `search` tsvector of
// papers (drizzle/pg/0001_search.sql). The set of papers a query finds is the
// same as FTS5's on SQLite (test/postgres-copy.test.ts compares them), but
// where PostgreSQL folds further: unaccent makes "ł", "ø" and "ß" "l", "o" and
// "ss" (so "rod" finds "Rød"), and Porter stems two-letter words ("us" is "u").
// The ranking (ts_rank_cd against bm25) may differ.
import { and, count, gte, lt, sql } from 'drizzle-orm';
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

/** How many known words start with `prefix`: a prefix's cost (http/admission.ts). */
export async function countWordsStartingWith(db: PgDb, prefix: string): Promise<number> {
  const [start] = searchableWords(prefix);
  if (!start) return 0;
  const word = sql`${searchWords.word} COLLATE "C"`;
  const [row] = await db.select({ n: count() }).from(searchWords).where(and(gte(word, start), lt(word, `${start}\u{10FFFF}`)));
  return row?.n ?? 0;
}

/**
 * Words as the index spells them (search_fold: unaccent, punctuation made a
 * space). Only words beyond ASCII change, so only they are asked for: unaccent
 * spells a few letters with punctuation ("ʹ" is "'"), which would otherwise
 * end a quoted lexeme.
 */
async function folded(db: PgDb, words: string[]): Promise<Map<string, string>> {
  const beyondAscii = [...new Set(words)].filter((word) => /[^\0-\x7f]/u.test(word));
  if (beyondAscii.length === 0) return new Map();
  const { rows } = await db.execute<{ words: string[] }>(
    sql`SELECT array(SELECT search_fold(w) FROM unnest(${sql.param(beyondAscii)}::text[]) WITH ORDINALITY AS t(w, i) ORDER BY i) AS words`,
  );
  return new Map(beyondAscii.map((word, i) => [word, rows[0]!.words[i]!]));
}

/** A search as the tsquery text that to_tsquery('catalogue', …) takes: its prefixes expanded and its words folded first. Throws SearchSyntaxError. */
export async function tsQueryOf(db: PgDb, input: string): Promise<string> {
  // Looked up before rendering, which asks for them synchronously.
  const { prefixes, words } = searchTerms(input);
  const expansions = new Map<string, string[]>();
  for (const prefix of prefixes) if (!expansions.has(prefix)) expansions.set(prefix, await wordsStartingWith(db, prefix));
  const spelled = await folded(db, [...words, ...[...expansions.values()].flat()]);
  return toTsQuery(
    input,
    (prefix) => expansions.get([...searchableWords(prefix)][0] ?? '') ?? [],
    (word) => spelled.get(word) ?? word,
  );
}

/** The arXiv ids of every paper a search finds. */
export async function matchingArxivIds(db: PgDb, input: string): Promise<string[]> {
  const query = await tsQueryOf(db, input);
  const rows = await db
    .select({ arxivId: papers.arxivId })
    .from(papers)
    .where(sql`${papers.search} @@ to_tsquery('catalogue', ${query})`);
  return rows.map((r) => r.arxivId);
}
