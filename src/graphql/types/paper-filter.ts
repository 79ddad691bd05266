// The inputs shared by every list of papers: filter and order.
import type { PaperFilter } from '../../catalogue/papers.ts';
import { builder } from '../builder.ts';
import { badInput } from '../errors.ts';

export const DateRangeInput = builder.inputType('DateRange', {
  description: 'An inclusive range of days; either end may be left open.',
  fields: (t) => ({
    from: t.field({ type: 'Date', required: false, description: 'First day of the range (inclusive).' }),
    to: t.field({ type: 'Date', required: false, description: 'Last day of the range (inclusive).' }),
  }),
});

export const PaperFilterInput = builder.inputType('PaperFilter', {
  description: "Conditions a paper must all meet. Fields left out do not filter. A condition that the list's order does not bound (hasCode; minUpvotes, published or listed in an order by another field) is checked paper by paper, and the cost counts 0.1 nodes for each paper the list may check (README, Cost).",
  fields: (t) => ({
    organizations: t.stringList({
      required: false,
      description: 'Organization slugs (case-insensitive); a paper matches if its organization is any of them. An empty list matches nothing.',
    }),
    published: t.field({ type: DateRangeInput, required: false, description: 'Inclusive range on publishedAt.' }),
    listed: t.field({ type: DateRangeInput, required: false, description: 'Inclusive range on listedOn.' }),
    minUpvotes: t.int({ required: false, description: 'Only papers with at least this many upvotes.' }),
    hasCode: t.boolean({ required: false, description: 'true: only papers with a GitHub repository; false: only those without.' }),
  }),
});

export const PaperOrderField = builder.enumType('PaperOrderField', {
  description: 'What a list of papers can be ordered by. Ties are always broken by arXiv id, ascending.',
  values: {
    PUBLISHED_AT: { description: 'Publication day on arXiv.' },
    LISTED_ON: { description: 'Day listed in the daily papers.' },
    UPVOTES: { description: 'Upvotes.' },
    TRENDING: { description: "The WEEK's trending score at the default asOf (see Query.trendingPapers for the formula), over all papers: those that neither were listed nor gained upvotes in the week score 0. Every paper of the list is scored, so the cost counts 0.5 nodes for each (README, Cost); Query.trendingPapers scores only the week's papers." },
  } as const,
});

export const TrendingWindowEnum = builder.enumType('TrendingWindow', {
  description: 'The window a trending score counts upvotes over, before asOf; the score halves every half window.',
  values: {
    DAY: { description: 'The 24 hours before asOf (by default: the latest listing day); half-life 12 hours.' },
    WEEK: { description: 'The 7 days before asOf; half-life 3.5 days.' },
    MONTH: { description: 'The 30 days before asOf; half-life 15 days.' },
    ALL: { description: 'Everything before asOf, without decay: by upvotes.' },
  } as const,
});

export const OrderDirection = builder.enumType('OrderDirection', {
  description: 'Sort direction.',
  values: { ASC: { description: 'Smallest / oldest first.' }, DESC: { description: 'Largest / newest first.' } } as const,
});

export const PaperOrderInput = builder.inputType('PaperOrder', {
  description: 'How to order a list of papers.',
  fields: (t) => ({
    field: t.field({ type: PaperOrderField, required: true, description: 'The value to order by.' }),
    direction: t.field({ type: OrderDirection, required: true, defaultValue: 'DESC', description: 'Direction; default DESC.' }),
  }),
});

type FilterArg = typeof PaperFilterInput.$inferInput;

/** Checks a filter argument (ranges must not run backwards) and passes it on. */
export function paperFilter(filter: FilterArg | null | undefined, argument = 'filter'): PaperFilter {
  for (const name of ['published', 'listed'] as const) {
    const range = filter?.[name];
    if (range?.from && range.to && range.from > range.to) {
      throw badInput(`${argument}.${name}`, `runs backwards: from ${range.from} is after to ${range.to}`);
    }
  }
  return filter ?? {};
}
