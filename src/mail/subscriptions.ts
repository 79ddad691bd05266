// Subscribing, confirming and unsubscribing: double opt-in, so nothing but
// the confirmation is ever sent to an address until its owner follows the
// link. What the GraphQL mutations and the plain links both call.
import { organizationsBySlugs } from '../catalogue/organizations.ts';
import { SearchSyntaxError, toMatchExpression } from '../catalogue/search-query.ts';
import {
  activateSubscription,
  createSubscription,
  endSubscription,
  findLiveSubscription,
  issueToken,
  redeemToken,
  type Subscription,
} from '../catalogue/subscriptions.ts';
import { enqueueMail } from '../catalogue/outbox.ts';
import type { Period } from '../catalogue/dates.ts';
import type { Db } from '../db/index.ts';
import { confirmationMail, describeNarrowing } from './render.ts';

export interface MailSettings {
  /** Base of the links in mail, e.g. https://papers.example.org */
  publicUrl: string;
  /** Tell the outbox worker there is mail to deliver. */
  nudge(): void;
}

/** Something wrong with the subscription input; `field` names it. */
export class SubscriptionInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SubscribeInput {
  email: string;
  period: Period;
  organizations?: string[] | null;
  query?: string | null;
}

/** A second confirmation mail for the same pending subscription is sent at most this often. */
export const CONFIRMATION_RESEND_MS = 10 * 60_000;

const EMAIL = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]{2,}$/u;

export const link = (publicUrl: string, action: 'confirm' | 'unsubscribe', token: string): string =>
  `${publicUrl}/digest/${action}?token=${encodeURIComponent(token)}`;

function checkInput(db: Db, input: SubscribeInput) {
  const email = input.email.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) throw new SubscriptionInputError('input.email', 'is not a valid email address');
  const organizations = [...new Set((input.organizations ?? []).map((s) => s.trim().toLowerCase()))];
  const known = new Set(organizationsBySlugs(db, organizations).map((o) => o.slug));
  const unknown = organizations.filter((slug) => !known.has(slug));
  if (unknown.length > 0) {
    throw new SubscriptionInputError('input.organizations', `holds unknown organization slugs: ${unknown.map((s) => JSON.stringify(s)).join(', ')}`);
  }
  const query = input.query?.trim() || null;
  if (query !== null) {
    try {
      toMatchExpression(query);
    } catch (error) {
      if (error instanceof SearchSyntaxError) throw new SubscriptionInputError('input.query', error.message);
      throw error;
    }
  }
  return { email, settings: { period: input.period, organizations, query } };
}

/**
 * Stores a pending subscription and queues its confirmation mail. Asking again
 * with the same address and settings creates nothing new; for a pending one
 * the confirmation is sent again (at most every ten minutes).
 */
export function subscribe(db: Db, settings: MailSettings, input: SubscribeInput, now = new Date()): void {
  const { email, settings: wanted } = checkInput(db, input);
  const queued = db.transaction((tx) => {
    let subscription: Subscription | null = findLiveSubscription(tx, email, wanted);
    if (subscription?.status === 'active') return false;
    if (subscription?.lastConfirmationAt && now.getTime() - Date.parse(subscription.lastConfirmationAt) < CONFIRMATION_RESEND_MS) {
      return false;
    }
    subscription ??= createSubscription(tx, email, wanted, now);
    const token = issueToken(tx, subscription.id, 'confirm', now);
    const mail = confirmationMail(wanted.period, describeNarrowing(wanted.organizations, wanted.query), link(settings.publicUrl, 'confirm', token));
    return enqueueMail(
      tx,
      { key: `confirmation:${subscription.id}:${now.getTime()}`, kind: 'confirmation', subscriptionId: subscription.id, recipient: email, headers: {}, ...mail },
      now,
    );
  });
  if (queued) settings.nudge();
}

export interface TokenOutcome {
  ok: boolean;
  period: Period | null;
}

/** Uses a token once, in one transaction, and applies `act` to its subscription. */
function redeem(db: Db, token: string, purpose: 'confirm' | 'unsubscribe', act: (tx: Db, id: number) => void, now: Date): TokenOutcome {
  return db.transaction((tx) => {
    const subscription = redeemToken(tx, token, purpose, now);
    if (!subscription) return { ok: false, period: null };
    act(tx, subscription.id);
    return { ok: true, period: subscription.period };
  });
}

/** Activates the subscription of a confirmation token; ok: false for an unknown, used or expired token. */
export function confirm(db: Db, token: string, now = new Date()): TokenOutcome {
  return redeem(db, token, 'confirm', (tx, id) => activateSubscription(tx, id, now), now);
}

/** Ends the subscription of an unsubscribe token; ok: false for an unknown or used token. */
export function unsubscribe(db: Db, token: string, now = new Date()): TokenOutcome {
  return redeem(db, token, 'unsubscribe', (tx, id) => endSubscription(tx, id, now), now);
}
