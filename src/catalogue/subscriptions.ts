// Digest subscriptions and their tokens. Tokens are random and only their
// SHA-256 hashes are stored, so a copy of the database lets nobody confirm or
// end a subscription.
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { papers, subscriptionPapers, subscriptions, subscriptionTokens } from '../db/schema.ts';
import type { Period } from './dates.ts';

export type Subscription = typeof subscriptions.$inferSelect;

export interface SubscriptionSettings {
  period: Period;
  /** Organization slugs, any order; stored sorted. */
  organizations: string[];
  query: string | null;
  /** Paper ids of the papers the reader liked and disliked (none: the digest ranks by upvotes). */
  liked?: number[];
  disliked?: number[];
}

/** A subscription's liked and disliked papers, by paper id and arXiv id. */
export interface Taste {
  liked: { id: number; arxivId: string }[];
  disliked: { id: number; arxivId: string }[];
}

export const CONFIRMATION_TTL_MS = 7 * 24 * 3_600_000;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** 256 random bits, URL-safe. */
export const newToken = (): string => randomBytes(32).toString('base64url');

const sortedIds = (ids: number[] | undefined): number[] => [...new Set(ids ?? [])].sort((a, b) => a - b);

/** What identifies a subscription beside its address. Without a taste it is what it was before tastes existed, so older rows still match. */
export function settingsKey(s: SubscriptionSettings): string {
  const base = [s.period, [...new Set(s.organizations)].sort(), s.query ?? ''];
  const taste = [sortedIds(s.liked), sortedIds(s.disliked)];
  return JSON.stringify(taste[0]!.length + taste[1]!.length > 0 ? [...base, ...taste] : base);
}

/** The live (pending or active) subscription of an address with these settings, if any. */
export function findLiveSubscription(db: Db, email: string, settings: SubscriptionSettings): Subscription | null {
  return (
    db
      .select()
      .from(subscriptions)
      .where(and(eq(subscriptions.email, email), eq(subscriptions.settings, settingsKey(settings)), ne(subscriptions.status, 'ended')))
      .get() ?? null
  );
}

/** The row of a new, pending subscription (either engine's). */
export const newSubscription = (email: string, settings: SubscriptionSettings, now: Date) => ({
  email,
  period: settings.period,
  organizations: JSON.stringify([...new Set(settings.organizations)].sort()),
  query: settings.query,
  settings: settingsKey(settings),
  status: 'pending' as const,
  createdAt: now.toISOString(),
});

/** The rows of a subscription's liked and disliked papers. */
export const opinionsOf = (subscriptionId: number, settings: SubscriptionSettings) => [
  ...sortedIds(settings.liked).map((paperId) => ({ subscriptionId, paperId, opinion: 'liked' as const })),
  ...sortedIds(settings.disliked).map((paperId) => ({ subscriptionId, paperId, opinion: 'disliked' as const })),
];

export function createSubscription(db: Db, email: string, settings: SubscriptionSettings, now: Date): Subscription {
  const subscription = db.insert(subscriptions).values(newSubscription(email, settings, now)).returning().get();
  const opinions = opinionsOf(subscription.id, settings);
  if (opinions.length > 0) db.insert(subscriptionPapers).values(opinions).run();
  return subscription;
}

/** The liked and disliked papers of a subscription, by paper id. */
export function tasteOf(db: Db, subscriptionId: number): Taste {
  const rows = db
    .select({ id: papers.id, arxivId: papers.arxivId, opinion: subscriptionPapers.opinion })
    .from(subscriptionPapers)
    .innerJoin(papers, eq(papers.id, subscriptionPapers.paperId))
    .where(eq(subscriptionPapers.subscriptionId, subscriptionId))
    .orderBy(papers.id)
    .all();
  const of = (opinion: 'liked' | 'disliked') => rows.filter((r) => r.opinion === opinion).map(({ id, arxivId }) => ({ id, arxivId }));
  return { liked: of('liked'), disliked: of('disliked') };
}

/** A new token for the subscription; the caller puts it in a link, the database keeps its hash. */
export function issueToken(db: Db, subscriptionId: number, purpose: 'confirm' | 'unsubscribe', now: Date): string {
  const token = newToken();
  db.insert(subscriptionTokens)
    .values({
      hash: hashToken(token),
      subscriptionId,
      purpose,
      createdAt: now.toISOString(),
      expiresAt: purpose === 'confirm' ? new Date(now.getTime() + CONFIRMATION_TTL_MS).toISOString() : null,
    })
    .run();
  if (purpose === 'confirm') {
    db.update(subscriptions).set({ lastConfirmationAt: now.toISOString() }).where(eq(subscriptions.id, subscriptionId)).run();
  }
  return token;
}

export interface FoundToken {
  subscription: Subscription;
  used: boolean;
  expired: boolean;
}

/** The token's subscription and whether the token is used or expired; null when unknown or of another purpose. */
export function findToken(db: Db, token: string, purpose: 'confirm' | 'unsubscribe', now: Date): FoundToken | null {
  const found = db
    .select({ token: subscriptionTokens, subscription: subscriptions })
    .from(subscriptionTokens)
    .innerJoin(subscriptions, eq(subscriptions.id, subscriptionTokens.subscriptionId))
    .where(and(eq(subscriptionTokens.hash, hashToken(token)), eq(subscriptionTokens.purpose, purpose)))
    .get();
  if (!found) return null;
  const expired = found.token.expiresAt !== null && found.token.expiresAt <= now.toISOString();
  return { subscription: found.subscription, used: found.token.usedAt !== null, expired };
}

/** Marks a token used; false when it was used already (by a request racing this one). */
export function useToken(db: Db, token: string, now: Date): boolean {
  return (
    db
      .update(subscriptionTokens)
      .set({ usedAt: now.toISOString() })
      .where(and(eq(subscriptionTokens.hash, hashToken(token)), isNull(subscriptionTokens.usedAt)))
      .run().changes === 1
  );
}

export function activateSubscription(db: Db, id: number, now: Date): void {
  db.update(subscriptions)
    .set({ status: 'active', confirmedAt: sql`coalesce(${subscriptions.confirmedAt}, ${now.toISOString()})` })
    .where(and(eq(subscriptions.id, id), ne(subscriptions.status, 'ended')))
    .run();
}

export function endSubscription(db: Db, id: number, now: Date): void {
  db.update(subscriptions).set({ status: 'ended', endedAt: now.toISOString() }).where(eq(subscriptions.id, id)).run();
}

export function activeSubscriptions(db: Db, period: Period): Subscription[] {
  return db
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.period, period), eq(subscriptions.status, 'active')))
    .orderBy(subscriptions.id)
    .all();
}
