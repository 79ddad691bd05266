// Where the subscriptions, their tokens and the mail queue are kept: the
// interface that both engines implement, so that subscribing, following a
// link, sending digests and delivering the queue (the rest of mail/) do not
// know which engine they are on. SQLite's is here, over the functions of
// catalogue/subscriptions.ts, outbox.ts and mail-quota.ts; PostgreSQL's is
// pg-mail-store.ts. What is decided (the budget, what a link may do) is
// decided by the callers, once for both.
import type { Period } from '../catalogue/dates.ts';
import type { MaybePromise } from '../catalogue/maybe.ts';
import { chargeQuota, quotaUsed } from '../catalogue/mail-quota.ts';
import { claimMail, dueMail, enqueueMail, mailByKey, markFailed, markSent, type NewMail, type QueuedMail } from '../catalogue/outbox.ts';
import {
  activateSubscription,
  activeSubscriptions,
  createSubscription,
  endSubscription,
  findLiveSubscription,
  findToken,
  issueToken,
  tasteOf,
  useToken,
  type FoundToken,
  type Subscription,
  type SubscriptionSettings,
  type Taste,
} from '../catalogue/subscriptions.ts';
import type { Db } from '../db/index.ts';
import { isAlive } from '../catalogue/lease.ts';

/** A mail's own words: what a caller composes, the store queues. */
export type MailText = Pick<NewMail, 'subject' | 'text' | 'html'>;

/** How many confirmations were charged lately, as subscribe reads them in its transaction. */
export interface BudgetUse {
  /** To the requester's address in the last day; null without a requester. */
  byRequester: number | null;
  /** To the address in the last CONFIRMATION_RESEND_MS. */
  addressLately: number;
  /** To the address in the last day. */
  addressToday: number;
}

export interface SubscriptionRequest {
  /** Normalised (mail/address.ts). */
  email: string;
  settings: SubscriptionSettings;
  /** The client's address, charged beside the address subscribed. */
  requester: string | null;
  now: Date;
  /** How far back the budget looks: the resend window and the day. */
  windows: { lately: Date; today: Date };
}

/** What a token's action does to its subscription: what `decide` answers in `follow`. */
export type TokenChange = 'activate' | 'end';

export interface MailStore {
  /**
   * In one write transaction, serialised with every other for the same
   * address or requester: the live subscription of the address with these
   * settings; unless it is active, the budget read and `refusal` asked (its
   * error is thrown and nothing is stored), both charged, the subscription
   * created if it is new, a confirmation token issued and the mail that
   * `compose` writes with it queued. True when a mail was queued.
   */
  subscribe(request: SubscriptionRequest, refusal: (use: BudgetUse) => Error | null, compose: (token: string) => MailText): MaybePromise<boolean>;
  /** The token's subscription and state, read where it was written (a replica may not have it yet). */
  findToken(token: string, purpose: 'confirm' | 'unsubscribe', now: Date): MaybePromise<FoundToken | null>;
  /**
   * In one write transaction: the token found, `decide` asked what to do with
   * it, and if anything, the token used and its subscription activated or
   * ended. What `decide` answered, or 'raced' when another request used the
   * token first to activate (a confirmation is used once).
   */
  follow<T>(token: string, purpose: 'confirm' | 'unsubscribe', now: Date, decide: (found: FoundToken | null) => { change: TokenChange | null; answer: T }): MaybePromise<T | 'raced'>;

  activeSubscriptions(period: Period): MaybePromise<Subscription[]>;
  tasteOf(subscriptionId: number): MaybePromise<Taste>;
  /** In one write transaction: an unsubscribe token issued, and the mail `compose` writes with it queued under `mail.key` (unless queued before). */
  queueWithUnsubscribeToken(mail: Omit<NewMail, keyof MailText | 'headers'>, now: Date, compose: (token: string) => MailText & { headers: Record<string, string> }): MaybePromise<boolean>;

  mailByKey(key: string): MaybePromise<QueuedMail | null>;
  /**
   * Takes up to `limit` mails that are due and that no other sender holds,
   * oldest first, for `sender` until now + leaseMs. Of senders racing, each
   * mail goes to one.
   */
  claimDueMail(sender: string, now: Date, leaseMs: number, limit: number): MaybePromise<QueuedMail[]>;
  /** Takes this mail for `sender`: false when it is sent already or another sender holds it. */
  claimMail(id: number, sender: string, now: Date, leaseMs: number): MaybePromise<boolean>;
  markSent(id: number, now: Date): MaybePromise<void>;
  markFailed(id: number, error: string, retryAt: Date): MaybePromise<void>;
}

/** The mail store in a SQLite catalogue: synchronous, each transaction IMMEDIATE (one writer at a time, across processes). */
export function sqliteMailStore(db: Db): MailStore {
  return {
    subscribe({ email, settings, requester, now, windows }, refusal, compose) {
      return db.transaction(
        (tx) => {
          let subscription: Subscription | null = findLiveSubscription(tx, email, settings);
          if (subscription?.status === 'active') return false;
          const refused = refusal({
            byRequester: requester === null ? null : quotaUsed(tx, 'ip', requester, windows.today),
            addressLately: quotaUsed(tx, 'address', email, windows.lately),
            addressToday: quotaUsed(tx, 'address', email, windows.today),
          });
          if (refused) throw refused;
          chargeQuota(tx, 'address', email, now, windows.today);
          if (requester !== null) chargeQuota(tx, 'ip', requester, now, windows.today);
          subscription ??= createSubscription(tx, email, settings, now);
          const token = issueToken(tx, subscription.id, 'confirm', now);
          return enqueueMail(tx, confirmationOf(subscription, email, now, compose(token)), now);
        },
        { behavior: 'immediate' },
      );
    },
    findToken: (token, purpose, now) => findToken(db, token, purpose, now),
    follow(token, purpose, now, decide) {
      return db.transaction(
        (tx) => {
          const found = findToken(tx, token, purpose, now);
          const { change, answer } = decide(found);
          if (change === null) return answer;
          if (!useToken(tx, token, now) && change === 'activate') return 'raced' as const;
          if (change === 'activate') activateSubscription(tx, found!.subscription.id, now);
          else endSubscription(tx, found!.subscription.id, now);
          return answer;
        },
        { behavior: 'immediate' },
      );
    },
    activeSubscriptions: (period) => activeSubscriptions(db, period),
    tasteOf: (subscriptionId) => tasteOf(db, subscriptionId),
    queueWithUnsubscribeToken(mail, now, compose) {
      return db.transaction((tx) => enqueueMail(tx, { ...mail, ...compose(issueToken(tx, mail.subscriptionId!, 'unsubscribe', now)) }, now));
    },
    mailByKey: (key) => mailByKey(db, key),
    claimDueMail(sender, now, leaseMs, limit) {
      const claimed: QueuedMail[] = [];
      for (const mail of dueMail(db, now)) {
        if (claimed.length === limit) break;
        if (claimMail(db, mail.id, sender, now, leaseMs, isAlive)) claimed.push(mail);
      }
      return claimed;
    },
    claimMail: (id, sender, now, leaseMs) => claimMail(db, id, sender, now, leaseMs, isAlive),
    markSent: (id, now) => markSent(db, id, now),
    markFailed: (id, error, retryAt) => markFailed(db, id, error, retryAt),
  };
}

/** The queued confirmation of a subscription: one key per request, so that a confirmation asked for again is a new mail. */
export const confirmationOf = (subscription: Subscription, email: string, now: Date, text: MailText): NewMail => ({
  key: `confirmation:${subscription.id}:${now.getTime()}`,
  kind: 'confirmation',
  subscriptionId: subscription.id,
  recipient: email,
  headers: {},
  ...text,
});
