// The papers of a digest, in its order, wherever they are read: the mail
// (mail/digests.ts) lists the first of them and links the feed of the same
// period (routes/feeds.ts, ?date=), which lists all of them, so that
// "…and N more" leads on from where the mail stops. The order is the most
// upvoted first, or with liked papers that of recommendedPapers, with why.
import type { CatalogueReads } from './catalogue.ts';
import { andThen, type MaybePromise } from './maybe.ts';
import type { PaperFilter, PaperRow } from './papers.ts';
import type { Because } from './related.ts';

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
  catalogue: CatalogueReads,
  filter: PaperFilter,
  query: string | null,
  taste: { liked: readonly number[]; disliked: readonly number[] },
  size: number | 'all',
): MaybePromise<DigestPapers> {
  return andThen(query ? catalogue.searchExpression(query) : null, (expression) =>
    andThen(expression ? catalogue.countSearch(expression, filter) : catalogue.countPapers(filter), (spanPapers): MaybePromise<DigestPapers> => {
      if (spanPapers === 0) return { papers: [], total: 0, spanPapers };
      // Those like the liked papers are among the span's papers: the span's count bounds them too.
      const pageSize = size === 'all' ? spanPapers : size;
      if (taste.liked.length > 0) {
        return andThen(catalogue.recommendedPapers(taste.liked, taste.disliked, filter, true, { size: pageSize, after: null }, 'all', expression), (page) => ({
          papers: page.rows.map((r) => ({ paper: r.row.paper, because: r.row.because })),
          total: page.total,
          spanPapers,
        }));
      }
      const request = { forward: true, size: pageSize, after: null } as const;
      const papers: MaybePromise<RankedPaper[]> = expression
        ? andThen(catalogue.searchPapers(expression, filter, 'UPVOTES', request, 'all', false), (page) => page.rows.map((r) => ({ paper: r.row.paper })))
        : andThen(catalogue.listPapers(filter, { field: 'UPVOTES', direction: 'DESC' }, request, 'all'), (page) => page.rows.map((r) => ({ paper: r.row })));
      return andThen(papers, (list) => ({ papers: list, total: spanPapers, spanPapers }));
    }),
  );
}
