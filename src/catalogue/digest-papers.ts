// The papers of a digest, in its order, wherever they are read: the mail
// (mail/digests.ts) lists the first of them and links the feed of the same
// period (routes/feeds.ts, ?date=), which lists all of them, so that
// "…and N more" leads on from where the mail stops. The order is the most
// upvoted first, or with liked papers that of recommendedPapers, with why.
import type { Db } from '../db/index.ts';
import { countPapers, listPapers, type PaperFilter, type PaperRow } from './papers.ts';
import { recommendedPapers, type Because } from './related.ts';
import { countSearch, searchPapers, wordsStartingWith } from './search.ts';
import { toMatchExpression } from './search-query.ts';

export interface RankedPaper {
  paper: PaperRow;
  /** Why, when ranked by liked papers. */
  because?: Because;
}

export interface DigestPapers {
  papers: RankedPaper[];
  /** How many the digest holds: the span's papers, or with liked papers those like them. */
  total: number;
  /** How many papers the span holds, liked or not. */
  spanPapers: number;
}

/**
 * The first `size` papers of the span (listed within `filter`, matching
 * `query`), or all of them: a span is a period of a digest or a feed, three
 * months at most, which recommendedPapers reads paper by paper (bounded).
 */
export function digestPapers(
  db: Db,
  filter: PaperFilter,
  query: string | null,
  taste: { liked: readonly number[]; disliked: readonly number[] },
  size: number | 'all',
): DigestPapers {
  const expression = query ? toMatchExpression(query, (prefix) => wordsStartingWith(db, prefix)) : null;
  const spanPapers = expression ? countSearch(db, expression, filter) : countPapers(db, filter);
  if (spanPapers === 0) return { papers: [], total: 0, spanPapers };
  // Those like the liked papers are among the span's papers: the span's count bounds them too.
  const pageSize = size === 'all' ? spanPapers : size;
  if (taste.liked.length > 0) {
    const page = recommendedPapers(db, taste.liked, taste.disliked, filter, true, { size: pageSize, after: null }, 'all', expression);
    return { papers: page.rows.map((r) => ({ paper: r.row.paper, because: r.row.because })), total: page.total, spanPapers };
  }
  const request = { forward: true, size: pageSize, after: null } as const;
  const papers = expression
    ? searchPapers(db, expression, filter, 'UPVOTES', request).rows.map((r) => ({ paper: r.row.paper }))
    : listPapers(db, filter, { field: 'UPVOTES', direction: 'DESC' }, request).rows.map((r) => ({ paper: r.row }));
  return { papers, total: spanPapers, spanPapers };
}
