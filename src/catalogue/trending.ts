// The trending score of a window: the upvotes a paper gained in the window,
// each gain halved for every half-window of age, so that "trending this week"
// is the week's best with a lean towards its last days, and "this month" the
// month's best with a lean towards its last weeks.
//
//   score = Σ gain × 2 ^ (−ageHours / halfLifeHours)   over the gains in [asOf − window, asOf)
//
// halfLifeHours is half the window: DAY 12, WEEK 84 (3.5 days), MONTH 360
// (15 days); ALL never decays, so it ranks by upvotes. A gain's age runs from
// the start (00:00 UTC) of the day it was recorded on to asOf.
//
// A paper's gains are the differences between the counts its history records
// (upvote_history: what each sync or import saw, on the day it saw it), its
// first count (plus 1) gained on its listing day. As on GitHub's trending
// page, an older paper trends by what it gained in the window.
//
// Without a history (a paper loaded before histories were kept), its upvotes
// count as gained on its listing day, plus 1 so that papers without upvotes
// still rank by freshness:
//
//   score = (upvotes + 1) × 2 ^ (−ageHours / halfLifeHours)
//
// which is also what a history of one count gives.
// Half a window is the shortest half-life for which, within a week, a paper
// with more than twice another's upvotes and listed at most 2 days before it
// still ranks above it (2^(2 days / 3.5 days) = 1.49 < 2). GitHub stars do not
// count: a famous repository outranked papers with twice the upvotes, and
// stars often predate the paper.
import type Sqlite from 'better-sqlite3';
import { addDays, dayAtOrAfter, dayStart } from './dates.ts';
import type { PaperFilter } from './papers.ts';

export type TrendingWindow = 'DAY' | 'WEEK' | 'MONTH' | 'ALL';

const HOUR_MS = 3_600_000;

export const WINDOW_HOURS: Record<TrendingWindow, number> = { DAY: 24, WEEK: 7 * 24, MONTH: 30 * 24, ALL: Infinity };

/**
 * The listing days of a window, within a filter's own: a paper counts as
 * listed at the start of its listing day, inside the window when that instant
 * is in [asOf - window, asOf).
 */
export function listedWithin(listed: PaperFilter['listed'], asOfMs: number, window: TrendingWindow): NonNullable<PaperFilter['listed']> {
  const days = windowDays(asOfMs, window);
  return {
    from: [listed?.from, days.from].filter((d) => d != null).sort().at(-1),
    to: [listed?.to, days.to].filter((d) => d != null).sort()[0],
  };
}

/** The days of a window before asOf, whose starts are in [asOf - window, asOf): from is undefined for ALL. */
export function windowDays(asOfMs: number, window: TrendingWindow): { from: string | undefined; to: string } {
  const hours = WINDOW_HOURS[window];
  return { from: Number.isFinite(hours) ? dayAtOrAfter(asOfMs - hours * HOUR_MS) : undefined, to: addDays(dayAtOrAfter(asOfMs), -1) };
}

/** The half-life of a window's gains, in hours: half the window (Infinity for ALL). */
export const halfLifeHours = (window: TrendingWindow): number => WINDOW_HOURS[window] / 2;

/** A gain `ageMs` old at asOf, weighed for a window of `windowHours`: 0 outside [0, window]. */
function weight(ageMs: number, windowHours: number): number {
  const ageHours = ageMs / HOUR_MS;
  if (ageHours < 0 || ageHours > windowHours) return 0;
  return windowHours === Infinity ? 1 : Math.pow(2, -ageHours / (windowHours / 2));
}

/** The score without history: upvotes + 1 gained at the start of the listing day. */
export function trendingScore(upvotes: number, listedOn: string, asOfMs: number, window: TrendingWindow): number {
  return (upvotes + 1) * weight(asOfMs - dayStart(listedOn), WINDOW_HOURS[window]);
}

/** A paper's upvotes as recorded on a day (upvote_history, recorded on change). */
export interface UpvotePoint {
  date: string;
  upvotes: number;
}

/**
 * The score with history: the gains between a paper's recorded counts, each
 * weighed by its age. The first count is gained in full on the listing day
 * (what it had when recording began is all the snapshot knows), a count
 * recorded before the listing day counts on the listing day, and the +1 of a
 * paper without history is part of the first gain, so that a paper with one
 * point, on its listing day, scores what trendingScore gives it.
 */
export function momentum(history: readonly UpvotePoint[], listedOn: string, asOfMs: number, window: TrendingWindow): number {
  const listedAt = dayStart(listedOn);
  const windowHours = WINDOW_HOURS[window];
  const points = [...history].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  let score = 0;
  let before = 0;
  points.forEach((point, i) => {
    const total = point.upvotes + 1;
    const at = i === 0 ? listedAt : Math.max(listedAt, dayStart(point.date));
    score += (total - before) * weight(asOfMs - at, windowHours);
    before = total;
  });
  return score;
}

/** Makes `trending_score(upvotes, listed_on, as_of_ms, window_hours)` available to SQL on this connection. */
export function registerTrendingScore(sqlite: Sqlite.Database): void {
  // A list is scored row by row, and its rows share a few listing days: each day's start is parsed once.
  const starts = new Map<string, number>();
  const startOf = (day: string): number => {
    let start = starts.get(day);
    if (start === undefined) {
      if (starts.size >= 100_000) starts.clear();
      starts.set(day, (start = dayStart(day)));
    }
    return start;
  };
  sqlite.function('trending_score', { deterministic: true }, (upvotes, listedOn, asOfMs, windowHours) =>
    (Number(upvotes) + 1) * weight(Number(asOfMs) - startOf(String(listedOn)), windowHours === null ? Infinity : Number(windowHours)),
  );
  // momentum() over a paper's history rows, for when upvote_history exists:
  //   (SELECT trending_momentum(h.date, h.upvotes, p.listed_on, :asOf, :window) FROM upvote_history h WHERE h.paper_id = p.id)
  // NULL for a paper without rows, so that coalesce(…, trending_score(…)) falls back to the snapshot's formula.
  type Momentum = { points: UpvotePoint[]; listedOn: string; asOfMs: number; window: TrendingWindow };
  const windowNamed = (hours: unknown): TrendingWindow =>
    hours === null ? 'ALL' : ((Object.keys(WINDOW_HOURS) as TrendingWindow[]).find((w) => WINDOW_HOURS[w] === Number(hours)) ?? 'ALL');
  sqlite.aggregate('trending_momentum', {
    start: () => null as Momentum | null,
    // The typings allow a step one argument; SQLite passes it each of the call's.
    step: ((state: Momentum | null, date: unknown, upvotes: unknown, listedOn: unknown, asOfMs: unknown, windowHours: unknown) => {
      const into = state ?? { points: [], listedOn: String(listedOn), asOfMs: Number(asOfMs), window: windowNamed(windowHours) };
      into.points.push({ date: String(date), upvotes: Number(upvotes) });
      return into;
    }) as never,
    result: (state: Momentum | null) => (state === null ? null : momentum(state.points, state.listedOn, state.asOfMs, state.window)),
  });
}
