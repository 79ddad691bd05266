// What every resolver gets: the database and a few per-request memos.
import type { Db } from '../db/index.ts';
import type { Deadline } from './deadline.ts';
import { dayStart } from '../catalogue/dates.ts';
import { latestListingDay } from '../catalogue/papers.ts';
import type { MailSettings, Requester } from '../mail/subscriptions.ts';
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
  /** Who sent the request, for the subscription budget (set by mail/request-guard.ts). */
  requester?: Requester;
}

/** The context's own state: the latest day, once asked. */
interface RequestContext extends Context {
  latest: string | null | undefined;
}

// Methods shared by every context, not closures made per request: tsx
// (esbuild's keepNames) names each closure it makes with Object.defineProperty.
// Own properties, not a class's: Yoga copies the context into its own.
function latestDay(this: RequestContext): string | null {
  if (this.latest === undefined) this.latest = latestListingDay(this.db);
  return this.latest;
}

function defaultAsOf(this: RequestContext): number {
  const day = this.latestDay();
  return day === null ? Date.now() : dayStart(day) + 86_400_000;
}

export function createContext(db: Db, mail: MailSettings): Context {
  const context: RequestContext = { db, mail, latest: undefined, latestDay, defaultAsOf };
  return context;
}
