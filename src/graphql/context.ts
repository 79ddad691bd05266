// What every resolver gets: the database and a few per-request memos.
import type { Db } from '../db/index.ts';
import { dayStart } from '../catalogue/dates.ts';
import { latestListingDay } from '../catalogue/papers.ts';

export interface Context {
  db: Db;
  /** The latest day with papers (asked once per request). */
  latestDay(): string | null;
  /** Default `asOf` of trending: the end of the latest day with papers, in ms. */
  defaultAsOf(): number;
}

export function createContext(db: Db): Context {
  let latest: string | null | undefined;
  const latestDay = () => (latest === undefined ? (latest = latestListingDay(db)) : latest);
  return {
    db,
    latestDay,
    defaultAsOf: () => {
      const day = latestDay();
      return day === null ? Date.now() : dayStart(day) + 86_400_000;
    },
  };
}
