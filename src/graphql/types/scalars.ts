import { GraphQLError } from 'graphql';
import { isDay } from '../../catalogue/dates.ts';
import { builder } from '../builder.ts';
import { BAD_USER_INPUT } from '../errors.ts';

const invalid = (message: string) => new GraphQLError(message, { extensions: { code: BAD_USER_INPUT } });

/** The value sent, quoted, and cut short: a variable may be as long as the body. */
const shown = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
};

builder.scalarType('Date', {
  description: 'A calendar day, "YYYY-MM-DD", in UTC (an RFC 3339 full-date).',
  specifiedByURL: 'https://www.rfc-editor.org/rfc/rfc3339#section-5.6',
  serialize: (day) => day,
  parseValue: (value) => {
    if (typeof value !== 'string' || !isDay(value)) {
      throw invalid(`Date must be a calendar day written YYYY-MM-DD; got ${shown(value)}`);
    }
    return value;
  },
});

// An instant with an explicit zone, so that no server time zone ever matters.
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/iu;

/** The instant in ms, or NaN unless every part is in range: a real calendar day, 23:59:59 at most, an offset under 24 h. */
function instantOf(text: string): number {
  const match = DATE_TIME.exec(text);
  if (!match) return NaN;
  const [, day, hours, minutes, seconds, fraction = '', sign, offsetHours = '00', offsetMinutes = '00'] = match;
  if (!isDay(day!) || Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59 || Number(offsetHours) > 23 || Number(offsetMinutes) > 59) return NaN;
  const utc = Date.parse(`${day}T${hours}:${minutes}:${seconds}.${fraction.padEnd(3, '0').slice(0, 3)}Z`);
  const offset = (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  return sign === '-' ? utc + offset : utc - offset;
}

builder.scalarType('DateTime', {
  description:
    'An instant, an RFC 3339 date-time with seconds and a zone: "2026-06-30T18:00:00Z" or "2026-06-30T20:00:00+02:00". The day must exist on the calendar (no February 31st).',
  specifiedByURL: 'https://scalars.graphql.org/andimarek/date-time',
  serialize: (instant) => instant.toISOString(),
  parseValue: (value) => {
    const ms = typeof value === 'string' ? instantOf(value) : NaN;
    if (Number.isNaN(ms)) {
      throw invalid(`DateTime must be an RFC 3339 date-time with seconds and a zone on a real calendar day, like "2026-06-30T18:00:00Z"; got ${shown(value)}`);
    }
    return new Date(ms);
  },
});
