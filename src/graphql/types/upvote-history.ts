// Paper.upvoteHistory: a paper's upvotes and stars on the days they changed.
import type { UpvoteCount } from '../../catalogue/history.ts';
import type { MaybePromise } from '../../catalogue/maybe.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { PaperRef } from '../refs.ts';
import { loadTogether } from '../siblings.ts';

const HISTORY = Symbol('upvoteHistory');

/** A paper's history, oldest first: one statement for it and the papers read with it (siblings.ts). */
export const historyOf = (paper: { id: number }, ctx: Context): MaybePromise<UpvoteCount[]> =>
  loadTogether(paper, HISTORY, (rows) => ctx.catalogue.upvoteHistoryOf(rows.map((row) => row.id)));

const UpvoteCountRef = builder.objectRef<UpvoteCount>('UpvoteCount').implement({
  description: "A paper's counts as observed on one day (by a sync, or in an imported listing).",
  fields: (t) => ({
    date: t.field({ type: 'Date', description: 'The day the counts were observed (UTC).', resolve: (c) => c.date }),
    upvotes: t.exposeInt('upvotes', { description: 'Upvotes on that day.' }),
    githubStars: t.exposeInt('githubStars', { nullable: true, description: 'GitHub stars on that day, where known.' }),
  }),
});

builder.objectField(PaperRef, 'upvoteHistory', (t) =>
  t.field({
    type: [UpvoteCountRef],
    description:
      'Upvotes and GitHub stars over time, oldest first: a count is recorded on each day a sync or an import saw it change, so the count on any day is that of the latest entry up to it.',
    resolve: (paper, _args, ctx) => historyOf(paper, ctx),
  }),
);
