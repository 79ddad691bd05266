// The trending score as pure functions: with an upvote history (momentum) and
// without (trendingScore), and the SQL function that ranks lists.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { momentum, registerTrendingScore, trendingScore, WINDOW_HOURS, type TrendingWindow } from '../src/catalogue/trending.ts';

const HOUR = 3_600_000;
const at = (instant: string) => Date.parse(instant);
const ageHours = (day: string, asOf: number) => (asOf - Date.parse(`${day}T00:00:00Z`)) / HOUR;
const decay = (day: string, asOf: number, window: TrendingWindow) => Math.pow(2, -ageHours(day, asOf) / (WINDOW_HOURS[window] / 2));
const WINDOWS = ['DAY', 'WEEK', 'MONTH', 'ALL'] as const;

describe('momentum (the score with an upvote history)', () => {
  const asOf = at('2026-07-01T00:00:00Z');

  it('with one point on the listing day, is the score without history, in every window', () => {
    for (const window of WINDOWS) {
      for (const listedOn of ['2026-06-30', '2026-06-24', '2026-06-05', '2026-01-02', '2026-07-02']) {
        expect(momentum([{ date: listedOn, upvotes: 41 }], listedOn, asOf, window), `${window} ${listedOn}`).toBe(trendingScore(41, listedOn, asOf, window));
      }
    }
  });

  it('counts each gain at the day it was recorded, halved every half window (the README example)', () => {
    const history = [
      { date: '2026-06-29', upvotes: 50 },
      { date: '2026-06-24', upvotes: 10 },
      { date: '2026-06-26', upvotes: 30 },
    ];
    const expected = 11 * decay('2026-06-24', asOf, 'WEEK') + 20 * decay('2026-06-26', asOf, 'WEEK') + 20 * decay('2026-06-29', asOf, 'WEEK');
    expect(momentum(history, '2026-06-24', asOf, 'WEEK')).toBeCloseTo(expected, 12);
    expect(momentum(history, '2026-06-24', asOf, 'WEEK').toFixed(2)).toBe('23.64');
    expect(momentum(history, '2026-06-24', asOf, 'ALL')).toBe(51);
  });

  it('leaves out gains before the window and after asOf: an old paper trends by what it gained lately', () => {
    const history = [
      { date: '2026-06-10', upvotes: 200 },
      { date: '2026-06-29', upvotes: 212 },
      { date: '2026-07-03', upvotes: 400 },
    ];
    expect(momentum(history, '2026-06-10', asOf, 'WEEK')).toBeCloseTo(12 * decay('2026-06-29', asOf, 'WEEK'), 12);
    expect(momentum(history, '2026-06-10', asOf, 'DAY')).toBe(0);
    expect(momentum(history, '2026-06-10', asOf, 'MONTH')).toBeCloseTo(201 * decay('2026-06-10', asOf, 'MONTH') + 12 * decay('2026-06-29', asOf, 'MONTH'), 12);
  });

  it('counts the first recorded count at the listing day, whenever recording began, and a lost upvote as a negative gain', () => {
    // Recording began on 06-29 for a paper listed on 06-02: its 90 upvotes were gained before the week.
    expect(momentum([{ date: '2026-06-29', upvotes: 90 }, { date: '2026-06-30', upvotes: 95 }], '2026-06-02', asOf, 'WEEK')).toBeCloseTo(5 * decay('2026-06-30', asOf, 'WEEK'), 12);
    const lost = momentum([{ date: '2026-06-28', upvotes: 9 }, { date: '2026-06-30', upvotes: 8 }], '2026-06-28', asOf, 'WEEK');
    expect(lost).toBeCloseTo(10 * decay('2026-06-28', asOf, 'WEEK') - decay('2026-06-30', asOf, 'WEEK'), 12);
    expect(momentum([], '2026-06-28', asOf, 'WEEK')).toBe(0);
  });
});

describe('trending_score in SQL', () => {
  it('gives what trendingScore gives, for every window (ALL binds its window as NULL or Infinity)', () => {
    const sqlite = new Database(':memory:');
    registerTrendingScore(sqlite);
    const asOf = at('2026-03-18T18:00:00Z');
    const score = sqlite.prepare<[number, string, number, number | null], { s: number }>('SELECT trending_score(?, ?, ?, ?) AS s');
    for (const window of WINDOWS) {
      for (const [upvotes, day] of [[0, '2026-03-18'], [92, '2026-03-17'], [7, '2026-03-01'], [3, '2026-03-19']] as const) {
        const hours = WINDOW_HOURS[window];
        expect(score.get(upvotes, day, asOf, hours === Infinity ? null : hours)!.s, `${window} ${day}`).toBe(trendingScore(upvotes, day, asOf, window));
      }
    }
    sqlite.close();
  });
});

describe('trending_momentum in SQL (the aggregate for upvote history)', () => {
  it('gives momentum() over the rows of a paper, NULL for none, whatever order the rows come in', () => {
    const sqlite = new Database(':memory:');
    registerTrendingScore(sqlite);
    sqlite.exec("CREATE TABLE h (paper_id INTEGER, date TEXT, upvotes INTEGER); INSERT INTO h VALUES (1, '2026-06-29', 50), (1, '2026-06-24', 10), (1, '2026-06-26', 30), (2, '2026-06-30', 4)");
    const asOf = at('2026-07-01T00:00:00Z');
    const score = sqlite.prepare<[number, number | null, number], { s: number | null }>(
      "SELECT trending_momentum(date, upvotes, '2026-06-24', ?, ?) AS s FROM h WHERE paper_id = ?",
    );
    const rows = sqlite.prepare<[number], { date: string; upvotes: number }>('SELECT date, upvotes FROM h WHERE paper_id = ?');
    for (const window of WINDOWS) {
      const hours = WINDOW_HOURS[window] === Infinity ? null : WINDOW_HOURS[window];
      expect(score.get(asOf, hours, 1)!.s, window).toBe(momentum(rows.all(1), '2026-06-24', asOf, window));
      if (window !== 'DAY') expect(score.get(asOf, hours, 1)!.s, window).toBeGreaterThan(0); // the DAY before asOf gained nothing
    }
    expect(score.get(asOf, 168, 3)!.s).toBeNull();
    sqlite.close();
  });
});
