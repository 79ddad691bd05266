// The terms of a paper, for related papers and recommendations (related.ts):
// words of the title (weighted up), of the AI keywords and of the abstract,
// lower-cased with accents removed and nothing stemmed, stopwords left out.
// Each paper keeps its TERMS_PER_PAPER strongest terms in paper_terms with
// their tf weight; term_stats counts in how many papers each term occurs,
// and idf is computed from it when a query runs. Both are written in the
// importer's transaction, so a paper is related to others the moment it commits.
import { sql } from 'drizzle-orm';
import type Sqlite from 'better-sqlite3';
import type { Db } from '../db/index.ts';
import type { MaybePromise } from './maybe.ts';
import { answer, type Steps } from './steps.ts';

/** Terms kept per paper: enough for its topic, few enough that postings stay short. */
export const TERMS_PER_PAPER = 32;

const WEIGHT = { title: 3, keywords: 2, abstract: 1 } as const;

// English function words, and the words of any abstract ("we propose a
// novel method … results show"), which say nothing about a topic.
const STOPWORDS = new Set(
  `a about above across after again against all almost along also although always am among an and another any are around as at
  be because been before being below between both but by can could did do does doing done down during each either else enough
  etc even ever every few for from further get gets given gives had has have having he her here hers him his how however i if in
  into is it its itself just less like made make makes many may me might more most much must my neither no nor not now of off
  often on once one only onto or other others otherwise our ours out over own per rather same several she should since so some
  such than that the their theirs them then there therefore these they this those though through thus to too toward towards
  under until up upon us use used uses using very via was we well were what when where whether which while who whom whose why
  will with within without would yet you your
  able achieve achieved achieves achieving address addresses approach approaches based best better called challenge challenges
  challenging code compared comprehensive consistently current demonstrate demonstrated demonstrates design designed develop
  developed different effective effectively efficient enable enables existing experiment experimental experiments extensive
  first framework furthermore github help high highly however https improve improved improvement improvements improves
  improving including introduce introduced introduces key large leverage leverages leveraging limited method methods
  moreover new novel outperform outperforming outperforms paper performance present presents previous prior propose proposed
  proposes provide provides recent recently remains result results second significant significantly show shown shows simple
  state studies study superior task tasks three two various way work works`.split(/\s+/u),
);

/** A term as indexed: runs of letters and digits, inner hyphens kept ("zero-shot", "gpt-4"). */
const TOKEN = /[\p{L}\p{N}]+(?:[-'][\p{L}\p{N}]+)*/gu;

const fold = (text: string): string => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** Whether a folded token is worth indexing: not a stopword, not a bare number, two characters at least. */
const indexable = (term: string): boolean => term.length >= 2 && term.length <= 40 && !STOPWORDS.has(term) && !/^[\p{N}.-]+$/u.test(term);

/** The terms of a text as the index sees them, each with the form it was written in. */
export function termsOf(text: string): { term: string; surface: string }[] {
  const found = [];
  for (const match of text.matchAll(TOKEN)) {
    const term = fold(match[0]);
    if (indexable(term)) found.push({ term, surface: match[0] });
  }
  return found;
}

export interface PaperText {
  title: string;
  abstract: string;
  /** JSON array of strings, as stored. */
  aiKeywords: string | null;
}

/** A paper's terms: weighted count (title ×3, keywords ×2, abstract ×1) and first surface form of each. */
export function paperTermCounts(paper: PaperText): Map<string, { count: number; surface: string }> {
  const counts = new Map<string, { count: number; surface: string }>();
  const add = (text: string, weight: number): void => {
    for (const { term, surface } of termsOf(text)) {
      const seen = counts.get(term);
      // The lower-case form where the paper has it: "matrix" rather than a title's "Matrix".
      if (seen) {
        seen.count += weight;
        if (surface === term) seen.surface = surface;
      } else counts.set(term, { count: weight, surface });
    }
  };
  add(paper.title, WEIGHT.title);
  let keywords: unknown = [];
  try {
    keywords = paper.aiKeywords ? JSON.parse(paper.aiKeywords) : [];
  } catch {
    keywords = [];
  }
  if (Array.isArray(keywords)) for (const k of keywords) if (typeof k === 'string') add(k, WEIGHT.keywords);
  add(paper.abstract, WEIGHT.abstract);
  return counts;
}

/** idf as every query computes it (related.ts writes the same in SQL). */
export const idf = (papers: number, df: number): number => Math.log((papers + 1) / (df + 1)) + 1;

/**
 * The strongest terms of a paper, by tf × idf at the catalogue's current
 * document frequencies, with their tf weight: 1 + ln(count), normalized to
 * unit length over the terms kept (no idf: that is applied when a query runs).
 */
function strongestTerms(counts: Map<string, { count: number }>, dfOf: (term: string) => number, papers: number): { term: string; weight: number }[] {
  const ranked = [...counts].map(([term, { count }]) => ({ term, tf: 1 + Math.log(count), score: (1 + Math.log(count)) * idf(papers, dfOf(term)) }));
  ranked.sort((a, b) => b.score - a.score || (a.term < b.term ? -1 : 1));
  const kept = ranked.slice(0, TERMS_PER_PAPER);
  const norm = Math.sqrt(kept.reduce((sum, t) => sum + t.tf * t.tf, 0)) || 1;
  return kept.map((t) => ({ term: t.term, weight: t.tf / norm }));
}

/** What indexing a paper reads and writes, one implementation per engine (SQLite's here, PostgreSQL's in pg-store.ts). */
export interface TermStatements {
  /** The document frequencies of these terms (none for a term no paper has). */
  dfs(terms: string[]): MaybePromise<Map<string, number>>;
  /** Counts one more paper with each term; their document frequencies now. */
  count(terms: { term: string; surface: string }[]): MaybePromise<Map<string, number>>;
  /** Counts one paper less with each term, and drops the terms no paper has any more. */
  uncount(terms: string[]): MaybePromise<unknown>;
  /** How many papers are indexed. */
  papers(): MaybePromise<number | undefined>;
  countPaper(): MaybePromise<unknown>;
  /** Replaces the paper's postings. */
  writeTerms(paperId: number, terms: { term: string; weight: number }[]): MaybePromise<unknown>;
}

/** SQLite's statements of the index, prepared once per writer (store.ts). */
export function sqliteTermStatements(sqlite: Sqlite.Database): TermStatements {
  const q = {
    df: sqlite.prepare<[string], { df: number }>('SELECT df FROM term_stats WHERE term = ?'),
    addDf: sqlite.prepare<[string, string], { df: number }>(
      'INSERT INTO term_stats (term, df, surface) VALUES (?, 1, ?) ON CONFLICT (term) DO UPDATE SET df = df + 1, surface = CASE WHEN excluded.surface = term THEN term ELSE surface END RETURNING df',
    ),
    removeDf: sqlite.prepare('UPDATE term_stats SET df = df - 1 WHERE term = ?'),
    dropUnused: sqlite.prepare("DELETE FROM term_stats WHERE df <= 0 AND term <> ''"),
    papers: sqlite.prepare<[], { df: number }>("SELECT df FROM term_stats WHERE term = ''"),
    countPaper: sqlite.prepare("INSERT INTO term_stats (term, df, surface) VALUES ('', 1, '') ON CONFLICT (term) DO UPDATE SET df = df + excluded.df"),
    deleteTerms: sqlite.prepare('DELETE FROM paper_terms WHERE paper_id = ?'),
    insertTerm: sqlite.prepare('INSERT INTO paper_terms (paper_id, term, weight) VALUES (?, ?, ?)'),
  };
  const known = (entries: [string, number | undefined][]) => new Map(entries.filter((e): e is [string, number] => e[1] !== undefined));
  return {
    dfs: (terms) => known(terms.map((term) => [term, q.df.get(term)?.df])),
    count: (terms) => new Map(terms.map(({ term, surface }) => [term, q.addDf.get(term, surface)!.df])),
    uncount(terms) {
      for (const term of terms) q.removeDf.run(term);
      q.dropUnused.run();
    },
    papers: () => q.papers.get()?.df,
    countPaper: () => q.countPaper.run(),
    writeTerms(paperId, terms) {
      q.deleteTerms.run(paperId);
      for (const { term, weight } of terms) q.insertTerm.run(paperId, term, weight);
    },
  };
}

/** Indexing papers as they are merged, over one engine's statements. */
export function termIndexer(q: TermStatements) {
  return {
    /** Indexes a paper, replacing what `old` (its texts before this change, if it had any) had counted. */
    *index(paperId: number, paper: PaperText, old: PaperText | null): Steps<void> {
      const counts = paperTermCounts(paper);
      const before = old ? paperTermCounts(old) : new Map<string, unknown>();
      const added = [...counts].filter(([term]) => !before.has(term)).map(([term, { surface }]) => ({ term, surface }));
      // The document frequencies this paper's terms were counted with, read back by the same statement.
      const dfs = yield* answer(q.count(added));
      if (old) yield* answer(q.uncount([...before.keys()].filter((term) => !counts.has(term))));
      else yield* answer(q.countPaper());
      // Terms this paper kept (a title changed, the rest did not) are read as they are.
      const kept = yield* answer(q.dfs([...counts.keys()].filter((term) => !dfs.has(term))));
      const papers = (yield* answer(q.papers())) ?? 1;
      const dfOf = (term: string): number => dfs.get(term) ?? kept.get(term) ?? 0;
      yield* answer(q.writeTerms(paperId, strongestTerms(counts, dfOf, papers)));
    },
  };
}

/** Empties the related-papers index and builds it again from every paper, in one transaction. */
export function rebuildTermIndex(db: Db): { papers: number; terms: number } {
  return db.transaction((tx) => {
    tx.run(sql`DELETE FROM paper_terms`);
    tx.run(sql`DELETE FROM term_stats`);
    const rows = tx.all<{ id: number; title: string; abstract: string; aiKeywords: string | null }>(
      sql`SELECT id, title, abstract, ai_keywords AS aiKeywords FROM papers ORDER BY id`,
    );
    // Document frequencies first, so that every paper's strongest terms are chosen by the final idf;
    // then each paper's terms again (counting twice holds one paper's terms in memory, not all of them).
    const df = new Map<string, { df: number; surface: string }>();
    for (const row of rows) {
      for (const [term, { surface }] of paperTermCounts(row)) {
        const seen = df.get(term);
        if (seen) {
          seen.df++;
          if (surface === term) seen.surface = surface;
        } else df.set(term, { df: 1, surface });
      }
    }
    const stats = [{ term: '', df: rows.length, surface: '' }, ...[...df].map(([term, s]) => ({ term, ...s }))];
    for (let i = 0; i < stats.length; i += 300) {
      const chunk = stats.slice(i, i + 300);
      tx.run(sql`INSERT INTO term_stats (term, df, surface) VALUES ${sql.join(chunk.map((s) => sql`(${s.term}, ${s.df}, ${s.surface})`), sql`, `)}`);
    }
    const dfOf = (term: string): number => df.get(term)?.df ?? 0;
    let postings: { id: number; term: string; weight: number }[] = [];
    const write = (): void => {
      tx.run(sql`INSERT INTO paper_terms (paper_id, term, weight) VALUES ${sql.join(postings.map((p) => sql`(${p.id}, ${p.term}, ${p.weight})`), sql`, `)}`);
      postings = [];
    };
    for (const row of rows) {
      for (const t of strongestTerms(paperTermCounts(row), dfOf, rows.length)) postings.push({ id: row.id, ...t });
      if (postings.length >= 300) write();
    }
    if (postings.length > 0) write();
    return { papers: rows.length, terms: df.size };
  });
}
