import { FIRST_DAY, inCalendar, LAST_DAY, periodContaining, type Period } from '../../catalogue/dates.ts';
import { andThen } from '../../catalogue/maybe.ts';
import { builder } from '../builder.ts';
import { badInput } from '../errors.ts';
import { PaperConnection } from '../refs.ts';
import { paperConnection } from './paper.ts';

interface DigestShape {
  period: Period;
  start: string;
  end: string;
}

const digestOf = (period: Period, day: string): DigestShape => ({ period, ...periodContaining(period, day) });

export const DigestPeriod = builder.enumType('DigestPeriod', {
  description: 'The length of a digest period.',
  values: {
    DAY: { description: 'One day (UTC).' },
    WEEK: { description: 'An ISO week, Monday to Sunday.' },
    MONTH: { description: 'A calendar month.' },
  } as const,
});

const Digest = builder.objectRef<DigestShape>('Digest');

Digest.implement({
  description: 'The papers listed in one day, week or month, like the Daily / Weekly / Monthly tabs of a daily-papers site.',
  fields: (t) => ({
    period: t.field({ type: DigestPeriod, description: 'The length of the period.', resolve: (d) => d.period }),
    startDate: t.field({ type: 'Date', description: 'First day of the period.', resolve: (d) => d.start }),
    endDate: t.field({ type: 'Date', description: 'Last day of the period (inclusive).', resolve: (d) => d.end }),
    papers: t.field({
      type: PaperConnection,
      description: 'The papers listed in the period, ranked by upvotes, highest first, ties by arXiv id.',
      args: { ...t.arg.connectionArgs() },
      resolve: (d, args, ctx, info) =>
        paperConnection(ctx, info, args, { listed: { from: d.start, to: d.end } }, { field: 'UPVOTES', direction: 'DESC' }),
    }),
    previous: t.field({
      type: Digest,
      nullable: true,
      description: 'The nearest earlier period of the same length that has papers; null at the start of the catalogue.',
      resolve: (d, _args, { catalogue }) => andThen(catalogue.adjacentListingDay(d.start, 'before'), (day) => (day === null ? null : digestOf(d.period, day))),
    }),
    next: t.field({
      type: Digest,
      nullable: true,
      description: 'The nearest later period of the same length that has papers; null at the end of the catalogue.',
      resolve: (d, _args, { catalogue }) => andThen(catalogue.adjacentListingDay(d.end, 'after'), (day) => (day === null ? null : digestOf(d.period, day))),
    }),
  }),
});

builder.queryField('digest', (t) =>
  t.field({
    type: Digest,
    nullable: true,
    description: `The daily / weekly / monthly list, like the Daily / Weekly / Monthly tabs of a daily-papers site: the papers listed in the period that contains \`date\` (default: the latest day that has papers), ranked by upvotes.
A WEEK is an ISO week (Monday to Sunday); a MONTH is a calendar month. A period without papers gives a digest with no papers; null only when the catalogue is empty and no date is given.`,
    args: {
      period: t.arg({ type: DigestPeriod, required: true, defaultValue: 'DAY', description: 'DAY, WEEK or MONTH; default DAY.' }),
      date: t.arg({
        type: 'Date',
        required: false,
        description: 'Any day inside the period, whose whole period lies in the years 1000 to 9999; default the latest day with papers.',
      }),
    },
    resolve: (_root, { period, date }, ctx) => {
      const day = date ?? ctx.latestDay();
      if (day === null) return null;
      const digest = digestOf(period, day);
      if (!inCalendar(digest.start) || !inCalendar(digest.end)) {
        throw badInput('date', `must lie in the years 1000 to 9999, and so must the whole ${period} around it (${FIRST_DAY} to ${LAST_DAY}); got "${day}".`);
      }
      return digest;
    },
  }),
);
