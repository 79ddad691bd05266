// Subscribing, confirming and unsubscribing: double opt-in, so nothing but
// the confirmation is ever sent to an address until its owner follows the
// link. What the GraphQL mutations and the plain links both call.
import { organizationsBySlugs } from '../catalogue/organizations.ts';
import { SearchSyntaxError, toMatchExpression } from '../catalogue/search-query.ts';
import { chargeQuota, quotaUsed } from '../catalogue/mail-quota.ts';
import { tasteProblem } from '../catalogue/related.ts';
import {
  activateSubscription,
  createSubscription,
  endSubscription,
  findLiveSubscription,
  findToken,
  issueToken,
  type Subscription,
  useToken,
} from '../catalogue/subscriptions.ts';
import { enqueueMail } from '../catalogue/outbox.ts';
import type { Period } from '../catalogue/dates.ts';
import type { Db } from '../db/index.ts';
import { AddressError, normaliseAddress } from './address.ts';
import { confirmationMail } from './render.ts';

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
  /** Paper ids (known papers, checked by the caller) the digest is ranked by: most like these first. */
  liked?: number[] | null;
  /** Paper ids the digest ranks down; only with liked papers. */
  disliked?: number[] | null;
}

/** A request the limits refuse; `code` is the GraphQL error code it gets. */
export class SubscriptionRefused extends Error {
  constructor(
    readonly code: 'MAIL_RATE_LIMITED' | 'SUBSCRIPTION_BUDGET_EXCEEDED',
    message: string,
  ) {
    super(message);
  }
}

/** Who is asking: the client's address and how many subscriptions it may ask for a day. */
export interface Requester {
  address: string;
  subscriptionsPerDay: number;
}

/** One confirmation mail per address this often at most, and so many a day, whatever was asked for. */
export const CONFIRMATION_RESEND_MS = 10 * 60_000;
export const CONFIRMATIONS_PER_DAY = 5;
const DAY_MS = 86_400_000;

export const link = (publicUrl: string, action: 'confirm' | 'unsubscribe' | 'refuse', token: string): string =>
  `${publicUrl}/digest/${action}?token=${encodeURIComponent(token)}`;

function checkInput(db: Db, input: SubscribeInput) {
  let email: string;
  try {
    email = normaliseAddress(input.email);
  } catch (error) {
    if (error instanceof AddressError) throw new SubscriptionInputError('input.email', error.message);
    throw error;
  }
  const organizations = [...new Set((input.organizations ?? []).map((s) => s.trim().toLowerCase()))];
  const found = organizationsBySlugs(db, organizations);
  const known = new Set(found.map((o) => o.slug));
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
  const liked = [...new Set(input.liked ?? [])];
  const disliked = [...new Set(input.disliked ?? [])];
  const taste = tasteProblem(liked, disliked);
  if (taste) throw new SubscriptionInputError(`input.${taste.list}${taste.index === null ? '' : `[${taste.index}]`}`, taste.problem);
  const organizationNames = found.map((o) => o.name).sort();
  return { email, organizationNames, settings: { period: input.period, organizations, query, liked, disliked } };
}

/** Refuses a confirmation mail the address or the client has no budget left for. */
function checkBudget(db: Db, email: string, requester: Requester | undefined, now: Date): void {
  const day = new Date(now.getTime() - DAY_MS);
  if (requester && quotaUsed(db, 'ip', requester.address, day) >= requester.subscriptionsPerDay) {
    throw new SubscriptionRefused(
      'SUBSCRIPTION_BUDGET_EXCEEDED',
      `This client has asked for ${requester.subscriptionsPerDay} subscriptions in the last 24 hours, the most allowed. Try again tomorrow.`,
    );
  }
  // The same words whoever asks: they say no more than that a mail went to the address lately.
  if (quotaUsed(db, 'address', email, new Date(now.getTime() - CONFIRMATION_RESEND_MS)) > 0) {
    throw new SubscriptionRefused('MAIL_RATE_LIMITED', 'A confirmation was sent to this address less than ten minutes ago. Follow the link in it, or try again later.');
  }
  if (quotaUsed(db, 'address', email, day) >= CONFIRMATIONS_PER_DAY) {
    throw new SubscriptionRefused('MAIL_RATE_LIMITED', `This address has been sent ${CONFIRMATIONS_PER_DAY} confirmations in the last 24 hours, the most allowed. Try again tomorrow.`);
  }
}

/**
 * Stores a pending subscription and queues its confirmation mail. Asking again
 * with the same address and settings creates nothing new; for a pending one
 * the confirmation is sent again. Every confirmation counts against the
 * address (one per ten minutes, five a day, whatever the settings) and the
 * requester's daily budget; over either, SubscriptionRefused is thrown and
 * nothing is stored. The limits are read and charged in one write
 * transaction, so concurrent requests and worker processes cannot both pass.
 */
export function subscribe(db: Db, settings: MailSettings, input: SubscribeInput, { now = new Date(), requester }: { now?: Date; requester?: Requester } = {}): void {
  const { email, organizationNames, settings: wanted } = checkInput(db, input);
  const queued = db.transaction(
    (tx) => {
      let subscription: Subscription | null = findLiveSubscription(tx, email, wanted);
      if (subscription?.status === 'active') return false;
      checkBudget(tx, email, requester, now);
      const keepSince = new Date(now.getTime() - DAY_MS);
      chargeQuota(tx, 'address', email, now, keepSince);
      if (requester) chargeQuota(tx, 'ip', requester.address, now, keepSince);
      subscription ??= createSubscription(tx, email, wanted, now);
      const token = issueToken(tx, subscription.id, 'confirm', now);
      const mail = confirmationMail(wanted.period, organizationNames, wanted.query !== null, { liked: wanted.liked.length, disliked: wanted.disliked.length }, {
        confirm: link(settings.publicUrl, 'confirm', token),
        refuse: link(settings.publicUrl, 'refuse', token),
      });
      return enqueueMail(
        tx,
        { key: `confirmation:${subscription.id}:${now.getTime()}`, kind: 'confirmation', subscriptionId: subscription.id, recipient: email, headers: {}, ...mail },
        now,
      );
    },
    { behavior: 'immediate' },
  );
  if (queued) settings.nudge();
}

/**
 * What following a link did: "done"; "already" (confirmed, unsubscribed or
 * refused before); "confirmed" (a refusal of a subscription already
 * confirmed); "invalid" (unknown, expired, or a subscription that has ended).
 */
export type TokenState = 'done' | 'already' | 'confirmed' | 'invalid';

export interface TokenOutcome {
  ok: boolean;
  period: Period | null;
  state: TokenState;
}

export type LinkAction = 'confirm' | 'unsubscribe' | 'refuse';

/** What `action` would do with this token, without doing it (the page a GET shows). */
function stateOf(db: Db, action: LinkAction, token: string, now: Date): { state: TokenState | 'ready'; subscription: Subscription | null } {
  const found = findToken(db, token, action === 'unsubscribe' ? 'unsubscribe' : 'confirm', now);
  if (!found) return { state: 'invalid', subscription: null };
  const { subscription, used, expired } = found;
  const status = subscription.status;
  const state =
    action === 'confirm'
      ? status === 'active' ? 'already' : status === 'ended' || used || expired ? 'invalid' : 'ready'
      : action === 'refuse'
        ? status === 'active' ? 'confirmed' : status === 'ended' ? 'already' : 'ready'
        : status === 'ended' ? 'already' : 'ready';
  return { state, subscription };
}

/** What a link's token would do now: "ready" when a POST would act. */
export function peek(db: Db, action: LinkAction, token: string, now = new Date()): { state: TokenState | 'ready'; period: Period | null } {
  const { state, subscription } = stateOf(db, action, token, now);
  return { state, period: subscription?.period ?? null };
}

/** Follows a link: confirms, unsubscribes or refuses, once, in one write transaction. */
export function act(db: Db, action: LinkAction, token: string, now = new Date()): TokenOutcome {
  return db.transaction(
    (tx) => {
      const { state, subscription } = stateOf(tx, action, token, now);
      const period = subscription?.period ?? null;
      if (state !== 'ready') return { ok: false, period: state === 'invalid' ? null : period, state };
      if (action === 'confirm') {
        if (!useToken(tx, token, now)) return { ok: false, period: null, state: 'invalid' };
        activateSubscription(tx, subscription!.id, now);
      } else {
        useToken(tx, token, now);
        endSubscription(tx, subscription!.id, now);
      }
      return { ok: true, period, state: 'done' };
    },
    { behavior: 'immediate' },
  );
}

/** Activates the subscription of a confirmation token; ok: false for an unknown, used or expired token. */
export const confirm = (db: Db, token: string, now = new Date()): TokenOutcome => act(db, 'confirm', token, now);

/** Ends the subscription of an unsubscribe token; ok: false when it has ended already. */
export const unsubscribe = (db: Db, token: string, now = new Date()): TokenOutcome => act(db, 'unsubscribe', token, now);
