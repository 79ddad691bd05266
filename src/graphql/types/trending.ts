import { addDays, dayAtOrAfter } from '../../catalogue/dates.ts';
import { WINDOW_HOURS } from '../../catalogue/trending.ts';
import { builder } from '../builder.ts';
import { PaperConnection } from '../refs.ts';
import { paperConnection } from './paper.ts';
import { PaperFilterInput, paperFilter } from './paper-filter.ts';

export const TrendingWindow = builder.enumType('TrendingWindow', {
  description: 'How far back from asOf trendingPapers looks for listed papers.',
  values: {
    DAY: { description: 'The 24 hours before asOf (by default: the latest listing day).' },
    WEEK: { description: 'The 7 days before asOf.' },
    MONTH: { description: 'The 30 days before asOf.' },
    ALL: { description: 'Every paper listed before asOf.' },
  } as const,
});

builder.queryField('trendingPapers', (t) =>
  t.field({
    type: PaperConnection,
    description: `Trending papers: those listed within \`window\` before \`asOf\`, ranked by trending score (highest first, ties broken by arXiv id).

    score = (upvotes + 3 × log10(1 + githubStars) + 1) / (ageHours + 2) ^ 1.8

where ageHours is the time from the start (00:00 UTC) of the paper's listing day to asOf. The score decays like Hacker News' ranking, so fresh papers rise and older ones sink.
asOf defaults to the end of the latest day that has papers in the catalogue, so a catalogue loaded from a snapshot still shows a meaningful list.`,
    args: {
      window: t.arg({ type: TrendingWindow, required: false, defaultValue: 'WEEK', description: 'How far back to look; default WEEK.' }),
      asOf: t.arg({ type: 'DateTime', required: false, description: 'The instant to rank at; default the end of the latest listing day.' }),
      filter: t.arg({ type: PaperFilterInput, required: false, description: 'Only papers meeting these conditions.' }),
      ...t.arg.connectionArgs(),
    },
    resolve: (_root, args, ctx, info) => {
      const asOfMs = args.asOf?.getTime() ?? ctx.defaultAsOf();
      const filter = paperFilter(args.filter);
      const hours = WINDOW_HOURS[args.window ?? 'WEEK'];
      // A paper counts as listed at the start of its listing day: inside the
      // window when that instant is in [asOf - window, asOf).
      const listed = {
        from: [filter.listed?.from, Number.isFinite(hours) ? dayAtOrAfter(asOfMs - hours * 3_600_000) : null]
          .filter((d) => d != null)
          .sort()
          .at(-1),
        to: [filter.listed?.to, addDays(dayAtOrAfter(asOfMs), -1)].filter((d) => d != null).sort()[0],
      };
      const connection = paperConnection(ctx, info, args, { ...filter, listed }, { field: 'TRENDING', direction: 'DESC', asOfMs });
      return Object.assign(connection, { ranking: { asOf: new Date(asOfMs), window: args.window ?? 'WEEK' } });
    },
  }),
);

/** What a trending list was ranked at, on the connection trendingPapers returns. */
type Ranked = { ranking?: { asOf: Date; window: 'DAY' | 'WEEK' | 'MONTH' | 'ALL' } };

builder.objectFields(PaperConnection, (t) => ({
  asOf: t.field({
    type: 'DateTime',
    nullable: true,
    description: 'The instant trendingPapers ranked this list at (its asOf argument or the default); null for other lists.',
    resolve: (connection) => (connection as Ranked).ranking?.asOf ?? null,
  }),
  window: t.field({
    type: TrendingWindow,
    nullable: true,
    description: 'The window trendingPapers looked back over; null for other lists.',
    resolve: (connection) => (connection as Ranked).ranking?.window ?? null,
  }),
}));
