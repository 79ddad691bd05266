// What every resolver gets: the catalogue and a few per-request memos.
import type { Catalogue } from '../catalogue/catalogue.ts';
import { dayStart } from '../catalogue/dates.ts';
import { isPromise } from '../catalogue/maybe.ts';
import type { Deadline } from './deadline.ts';
import type { MailStore } from '../mail/mail-store.ts';
import type { MailSettings, Requester } from '../mail/subscriptions.ts';
import type { NodeLoaders } from './types/node.ts';

export interface Context {
  catalogue: Catalogue;
  /** Where the digest subscriptions and their mail are kept (mail/mail-store.ts). */
  mailStore: MailStore;
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
  if (this.latest === undefined) {
    const latest = this.catalogue.latestListingDay();
    // An engine that answers later has it read before the request (createContextLater).
    if (isPromise(latest)) throw new Error('the latest listing day was not read before the request');
    this.latest = latest;
  }
  return this.latest;
}

function defaultAsOf(this: RequestContext): number {
  const day = this.latestDay();
  return day === null ? Date.now() : dayStart(day) + 86_400_000;
}

/** A request's context. */
export function createContext(catalogue: Catalogue, mailStore: MailStore, mail: MailSettings, latest?: string | null): Context {
  const context: RequestContext = { catalogue, mailStore, mail, latest, latestDay, defaultAsOf };
  return context;
}

/** A request's context on an engine that answers with promises: the latest listing day is read first, as the resolvers need it at once. */
export async function createContextLater(catalogue: Catalogue, mailStore: MailStore, mail: MailSettings): Promise<Context> {
  return createContext(catalogue, mailStore, mail, await catalogue.latestListingDay());
}
