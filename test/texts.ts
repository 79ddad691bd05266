// The papers' texts as this test suite reads them (words, lower-cased,
// accents removed), not as the term index does: what checks that a reason's
// terms really occur in the papers it names.
import type Sqlite from 'better-sqlite3';

export interface Text {
  arxivId: string;
  title: string;
  words: Set<string>;
  titleWords: Set<string>;
  authors: string[];
  organization: string | null;
}

export const wordsOf = (text: string): string[] => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().match(/[\p{L}\p{N}]+(?:[-'][\p{L}\p{N}]+)*/gu) ?? [];

/** Every paper's words (title, abstract, AI keywords), authors and organization, by arXiv id. */
export function paperTexts(sqlite: Sqlite.Database): Map<string, Text> {
  const rows = sqlite
    .prepare(
      `SELECT p.arxiv_id AS arxivId, p.title, p.abstract, coalesce(p.ai_keywords, '[]') AS keywords, o.name AS organization,
         (SELECT json_group_array(a.name) FROM paper_authors pa JOIN authors a ON a.id = pa.author_id WHERE pa.paper_id = p.id) AS authors
       FROM papers p LEFT JOIN organizations o ON o.id = p.organization_id`,
    )
    .all() as { arxivId: string; title: string; abstract: string; keywords: string; organization: string | null; authors: string }[];
  return new Map(
    rows.map((r) => [
      r.arxivId,
      {
        arxivId: r.arxivId,
        title: r.title,
        words: new Set(wordsOf(`${r.title} ${r.abstract} ${(JSON.parse(r.keywords) as string[]).join(' ')}`)),
        titleWords: new Set(wordsOf(r.title)),
        authors: JSON.parse(r.authors) as string[],
        organization: r.organization,
      },
    ]),
  );
}

/** The terms quoted in a one-line reason ("Shares “attention” and “rank”; …"). */
export const quotedTerms = (reason: string): string[] => [...reason.matchAll(/“([^”]+)”/gu)].map((m) => m[1]!);

/** Whether a term of a reason occurs in a paper's text. */
export const hasTerm = (text: Text, term: string): boolean => text.words.has(wordsOf(term)[0]!);
