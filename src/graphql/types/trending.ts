import { listedWithin, windowDays, type TrendingWindow as TrendingWindowName } from '../../catalogue/trending.ts';
import { andThen } from '../../catalogue/maybe.ts';
import { builder } from '../builder.ts';
import { PaperConnection } from '../refs.ts';
import { paperConnection } from './paper.ts';
import { PaperFilterInput, TrendingWindowEnum as TrendingWindow, paperFilter } from './paper-filter.ts';

builder.queryField('trendingPapers', (t) =>
  t.field({
    type: PaperConnection,
    description: `Trending papers: those listed within \`window\` before \`asOf\`, and those whose upvotes changed within it, ranked by the window's trending score (highest first, ties broken by arXiv id): the upvotes gained in the window, each halved for every half window of age.

    score = Σ gain × 2 ^ (−ageHours / halfLifeHours)   over the gains in [asOf − window, asOf)

where a gain is the change between two counts of Paper.upvoteHistory, counted on the day it was recorded (the first count, plus 1, on the listing day; a paper without history gains upvotes + 1 on its listing day), ageHours is the time from the start (00:00 UTC) of that day to asOf, and halfLifeHours is half the window: DAY 12, WEEK 84, MONTH 360; ALL does not decay (it ranks by upvotes). So the week's list is the week's best with a lean towards its last days, the month's the month's best with a lean towards its last weeks.
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
      const window = args.window ?? 'WEEK';
      // A window ranks the papers listed in it and those that gained (or lost) upvotes in it; ALL ranks every paper listed before asOf.
      const { from, to } = windowDays(asOfMs, window);
      const ranked = from === undefined ? { listed: listedWithin(filter.listed, asOfMs, window) } : { listed: listedWithin(filter.listed, asOfMs, 'ALL'), activeWithin: { from, to } };
      const connection = paperConnection(ctx, info, args, { ...filter, ...ranked }, { field: 'TRENDING', direction: 'DESC', asOfMs, window });
      return andThen(connection, (ranked) => Object.assign(ranked, { ranking: { asOf: new Date(asOfMs), window } }));
    },
  }),
);

/** What a trending list was ranked at, on the connection trendingPapers returns. */
type Ranked = { ranking?: { asOf: Date; window: TrendingWindowName } };

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
