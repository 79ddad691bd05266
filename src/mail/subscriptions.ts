// Subscribing, confirming and unsubscribing: double opt-in, so nothing but
// the confirmation is ever sent to an address until its owner follows the
// link. What the GraphQL mutations and the plain links both call.
import type { CatalogueReads } from '../catalogue/catalogue.ts';
import { SearchSyntaxError, toMatchExpression } from '../catalogue/search-query.ts';
import { tasteProblem } from '../catalogue/related.ts';
import type { FoundToken } from '../catalogue/subscriptions.ts';
import type { Period } from '../catalogue/dates.ts';
import { AddressError, normaliseAddress } from './address.ts';
import type { BudgetUse, MailStore } from './mail-store.ts';
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

async function checkInput(catalogue: Pick<CatalogueReads, 'organizationsBySlugs'>, input: SubscribeInput) {
  let email: string;
  try {
    email = normaliseAddress(input.email);
  } catch (error) {
    if (error instanceof AddressError) throw new SubscriptionInputError('input.email', error.message);
    throw error;
  }
  const organizations = [...new Set((input.organizations ?? []).map((s) => s.trim().toLowerCase()))];
  const found = await catalogue.organizationsBySlugs(organizations);
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

/** The refusal of a confirmation mail the address or the client has no budget left for, if it has none. */
function budgetRefusal(use: BudgetUse, requester: Requester | undefined): SubscriptionRefused | null {
  if (requester && use.byRequester! >= requester.subscriptionsPerDay) {
    return new SubscriptionRefused(
      'SUBSCRIPTION_BUDGET_EXCEEDED',
      `This client has asked for ${requester.subscriptionsPerDay} subscriptions in the last 24 hours, the most allowed. Try again tomorrow.`,
    );
  }
  // The same words whoever asks: they say no more than that a mail went to the address lately.
  if (use.addressLately > 0) {
    return new SubscriptionRefused('MAIL_RATE_LIMITED', 'A confirmation was sent to this address less than ten minutes ago. Follow the link in it, or try again later.');
  }
  if (use.addressToday >= CONFIRMATIONS_PER_DAY) {
    return new SubscriptionRefused('MAIL_RATE_LIMITED', `This address has been sent ${CONFIRMATIONS_PER_DAY} confirmations in the last 24 hours, the most allowed. Try again tomorrow.`);
  }
  return null;
}

/**
 * Stores a pending subscription and queues its confirmation mail. Asking again
 * with the same address and settings creates nothing new; for a pending one
 * the confirmation is sent again. Every confirmation counts against the
 * address (one per ten minutes, five a day, whatever the settings) and the
 * requester's daily budget; over either, SubscriptionRefused is thrown and
 * nothing is stored. The limits are read and charged in one write
 * transaction, so concurrent requests, worker processes and instances
 * cannot both pass.
 */
export async function subscribe(
  store: MailStore,
  catalogue: Pick<CatalogueReads, 'organizationsBySlugs'>,
  settings: MailSettings,
  input: SubscribeInput,
  { now = new Date(), requester }: { now?: Date; requester?: Requester } = {},
): Promise<void> {
  const { email, organizationNames, settings: wanted } = await checkInput(catalogue, input);
  const request = {
    email,
    settings: wanted,
    requester: requester?.address ?? null,
    now,
    windows: { lately: new Date(now.getTime() - CONFIRMATION_RESEND_MS), today: new Date(now.getTime() - DAY_MS) },
  };
  const queued = await store.subscribe(
    request,
    (use) => budgetRefusal(use, requester),
    (token) =>
      confirmationMail(wanted.period, organizationNames, wanted.query !== null, { liked: wanted.liked.length, disliked: wanted.disliked.length }, {
        confirm: link(settings.publicUrl, 'confirm', token),
        refuse: link(settings.publicUrl, 'refuse', token),
      }),
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

const purposeOf = (action: LinkAction) => (action === 'unsubscribe' ? 'unsubscribe' : 'confirm');

/** What `action` would do with the token found: 'ready' when it would act. */
function stateOf(action: LinkAction, found: FoundToken | null): TokenState | 'ready' {
  if (!found) return 'invalid';
  const { subscription, used, expired } = found;
  const status = subscription.status;
  return action === 'confirm'
    ? status === 'active' ? 'already' : status === 'ended' || used || expired ? 'invalid' : 'ready'
    : action === 'refuse'
      ? status === 'active' ? 'confirmed' : status === 'ended' ? 'already' : 'ready'
      : status === 'ended' ? 'already' : 'ready';
}

/** What a link's token would do now, without doing it (the page a GET shows): "ready" when a POST would act. */
export async function peek(store: MailStore, action: LinkAction, token: string, now = new Date()): Promise<{ state: TokenState | 'ready'; period: Period | null }> {
  const found = await store.findToken(token, purposeOf(action), now);
  return { state: stateOf(action, found), period: found?.subscription.period ?? null };
}

/** Follows a link: confirms, unsubscribes or refuses, once, in one write transaction. */
export async function act(store: MailStore, action: LinkAction, token: string, now = new Date()): Promise<TokenOutcome> {
  const outcome = await store.follow(token, purposeOf(action), now, (found): { change: 'activate' | 'end' | null; answer: TokenOutcome } => {
    const state = stateOf(action, found);
    const period = found?.subscription.period ?? null;
    if (state !== 'ready') return { change: null, answer: { ok: false, period: state === 'invalid' ? null : period, state } };
    return { change: action === 'confirm' ? 'activate' : 'end', answer: { ok: true, period, state: 'done' } };
  });
  return outcome === 'raced' ? { ok: false, period: null, state: 'invalid' } : outcome;
}

/** Activates the subscription of a confirmation token; ok: false for an unknown, used or expired token. */
export const confirm = (store: MailStore, token: string, now = new Date()): Promise<TokenOutcome> => act(store, 'confirm', token, now);

/** Ends the subscription of an unsubscribe token; ok: false when it has ended already. */
export const unsubscribe = (store: MailStore, token: string, now = new Date()): Promise<TokenOutcome> => act(store, 'unsubscribe', token, now);
