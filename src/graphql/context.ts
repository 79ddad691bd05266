// What every resolver gets: the database and a few per-request memos.
import type { Db } from '../db/index.ts';
import type { Deadline } from './deadline.ts';
import { dayStart } from '../catalogue/dates.ts';
import { latestListingDay } from '../catalogue/papers.ts';
import type { MailSettings } from '../mail/subscriptions.ts';
import type { NodeLoaders } from './types/node.ts';

export interface Context {
  db: Db;
  /** Links in mail, and waking the outbox worker. */
  mail: MailSettings;
  /** The latest day with papers (asked once per request). */
  latestDay(): string | null;
  /** Default `asOf` of trending: the end of the latest day with papers, in ms. */
  defaultAsOf(): number;
  /** When the execution is cut off (set by executionTimeout; see deadline.ts). */
  deadline?: Deadline;
  /** Query.node's batched loaders (types/node.ts): on the context, not in a WeakMap keyed by it (test/memory.test.ts). */
  nodeLoaders?: NodeLoaders;
}

export function createContext(db: Db, mail: MailSettings): Context {
  let latest: string | null | undefined;
  const latestDay = () => (latest === undefined ? (latest = latestListingDay(db)) : latest);
  return {
    db,
    mail,
    latestDay,
    defaultAsOf: () => {
      const day = latestDay();
      return day === null ? Date.now() : dayStart(day) + 86_400_000;
    },
  };
}
