// The trending score, in the spirit of Hacker News' ranking: points decay
// with a power of the age, so a fresh paper with a few upvotes can outrank an
// older one with many.
//
//   score = (upvotes + 3 × log10(1 + githubStars) + 1) / (ageHours + 2) ^ 1.8
//
// ageHours is the time from the start (00:00 UTC) of the paper's listing day
// to `asOf`; a paper listed after `asOf` scores 0. The log keeps a famous
// repository from drowning the upvotes (10 stars count as 3 upvotes, 1,000 as
// 9); the +1 lets papers without upvotes still rank by freshness.
import type Sqlite from 'better-sqlite3';
import { dayStart } from './dates.ts';

export const TRENDING = { starWeight: 3, ageOffsetHours: 2, gravity: 1.8 } as const;

export function trendingScore(upvotes: number, githubStars: number | null, listedOn: string, asOfMs: number): number {
  return scoreFrom(upvotes, githubStars, dayStart(listedOn), asOfMs);
}

function scoreFrom(upvotes: number, githubStars: number | null, listedAtMs: number, asOfMs: number): number {
  const ageHours = (asOfMs - listedAtMs) / 3_600_000;
  if (ageHours < 0) return 0;
  const points = upvotes + TRENDING.starWeight * Math.log10(1 + (githubStars ?? 0)) + 1;
  return points / Math.pow(ageHours + TRENDING.ageOffsetHours, TRENDING.gravity);
}

/** Makes `trending_score(upvotes, github_stars, listed_on, as_of_ms)` available to SQL on this connection. */
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
  sqlite.function('trending_score', { deterministic: true }, (upvotes, stars, listedOn, asOfMs) =>
    scoreFrom(Number(upvotes), stars === null ? null : Number(stars), startOf(String(listedOn)), Number(asOfMs)),
  );
}

export type TrendingWindow = 'DAY' | 'WEEK' | 'MONTH' | 'ALL';

export const WINDOW_HOURS: Record<TrendingWindow, number> = { DAY: 24, WEEK: 7 * 24, MONTH: 30 * 24, ALL: Infinity };
