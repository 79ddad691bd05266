import { GraphQLError } from 'graphql';
import { isDay } from '../../catalogue/dates.ts';
import { builder } from '../builder.ts';
import { BAD_USER_INPUT } from '../errors.ts';

const invalid = (message: string) => new GraphQLError(message, { extensions: { code: BAD_USER_INPUT } });

builder.scalarType('Date', {
  description: 'A calendar day, "YYYY-MM-DD", in UTC.',
  serialize: (day) => day,
  parseValue: (value) => {
    if (typeof value !== 'string' || !isDay(value)) {
      throw invalid(`Date must be a calendar day written YYYY-MM-DD; got ${JSON.stringify(value)}`);
    }
    return value;
  },
});

// An instant with an explicit zone, so that no server time zone ever matters.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/iu;

builder.scalarType('DateTime', {
  description: 'An instant, ISO-8601 with a zone: "2026-06-30T18:00:00Z" or "2026-06-30T20:00:00+02:00".',
  serialize: (instant) => instant.toISOString(),
  parseValue: (value) => {
    const ms = typeof value === 'string' && DATE_TIME.test(value) ? Date.parse(value) : NaN;
    if (Number.isNaN(ms)) {
      throw invalid(`DateTime must be ISO-8601 with a zone, like "2026-06-30T18:00:00Z"; got ${JSON.stringify(value)}`);
    }
    return new Date(ms);
  },
});
