// Calendar arithmetic on "YYYY-MM-DD" days, all in UTC.

const DAY_MS = 86_400_000;

export const dayStart = (day: string): number => Date.parse(`${day}T00:00:00Z`);
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const addDays = (day: string, n: number): string => dayOf(dayStart(day) + n * DAY_MS);

/** The first day whose start is at or after the instant `ms`. */
export const dayAtOrAfter = (ms: number): string => dayOf(Math.ceil(ms / DAY_MS) * DAY_MS);

/** True for a real calendar day written as YYYY-MM-DD. */
export function isDay(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/u.test(text) && !Number.isNaN(dayStart(text)) && dayOf(dayStart(text)) === text;
}

// Days are compared as text and written with four-digit years: a period must lie within these.
export const FIRST_DAY = '1000-01-01';
export const LAST_DAY = '9999-12-31';
/** True for a day from FIRST_DAY to LAST_DAY. (A day past 9999 is written "+010000-…", which sorts before "1000-…".) */
export const inCalendar = (day: string): boolean => /^\d{4}-/u.test(day) && day >= FIRST_DAY && day <= LAST_DAY;

/** The first day of the month `n` months after the month of `day` (n may be negative). */
export function monthStart(day: string, n = 0): string {
  const date = new Date(dayStart(day));
  return dayOf(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + n, 1));
}

export type Period = 'DAY' | 'WEEK' | 'MONTH';

/** The period that contains `day`: the day itself, its ISO week (Monday to Sunday), or its calendar month. */
export function periodContaining(period: Period, day: string): { start: string; end: string } {
  if (period === 'DAY') return { start: day, end: day };
  if (period === 'WEEK') {
    const weekday = (new Date(dayStart(day)).getUTCDay() + 6) % 7; // Monday = 0
    const start = addDays(day, -weekday);
    return { start, end: addDays(start, 6) };
  }
  return { start: monthStart(day), end: addDays(monthStart(day, 1), -1) };
}
