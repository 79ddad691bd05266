// The mail store (mail-store.ts) on PostgreSQL, shared by every instance on
// the database. Everything reads and writes the primary: a subscription made
// through one instance is confirmed through another at once, whatever a
// replica has replayed. Of instances subscribing one address at once, an
// advisory lock per address and per requester lets one read and charge the
// budget at a time; of instances delivering the queue, FOR UPDATE SKIP LOCKED
// gives each due mail to one.
import { and, count, eq, gt, inArray, isNull, lt, ne, sql } from 'drizzle-orm';
import { isAlive } from '../catalogue/lease.ts';
import { hashKey } from '../catalogue/mail-quota.ts';
import type { NewMail, QueuedMail } from '../catalogue/outbox.ts';
import { CONFIRMATION_TTL_MS, hashToken, newSubscription, newToken, opinionsOf, settingsKey, type Subscription } from '../catalogue/subscriptions.ts';
import { mailQuota, outbox, papers, subscriptionPapers, subscriptions, subscriptionTokens } from '../db/pg-schema.ts';
import { LOCKS, type PostgresDatabase } from '../db/postgres.ts';
import { confirmationOf, type MailStore } from './mail-store.ts';

type Primary = NonNullable<PostgresDatabase['db']['$primary']>;
type Tx = Parameters<Parameters<Primary['transaction']>[0]>[0];
type Writer = Primary | Tx;

/** Holds, until the transaction ends, the lock on one address or requester's budget. */
const lockBudget = (tx: Tx, bucket: 'address' | 'ip', key: string) =>
  tx.execute(sql`SELECT pg_advisory_xact_lock(${LOCKS.mail}, hashtext(${`${bucket}:${hashKey(key)}`}))`);

async function quotaUsed(tx: Tx, bucket: 'address' | 'ip', key: string, since: Date): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(mailQuota)
    .where(and(eq(mailQuota.bucket, bucket), eq(mailQuota.keyHash, hashKey(key)), gt(mailQuota.at, since.toISOString())));
  return row?.n ?? 0;
}

async function chargeQuota(tx: Tx, bucket: 'address' | 'ip', key: string, now: Date, keepSince: Date): Promise<void> {
  await tx.insert(mailQuota).values({ bucket, keyHash: hashKey(key), at: now.toISOString() });
  await tx.delete(mailQuota).where(and(eq(mailQuota.bucket, bucket), eq(mailQuota.keyHash, hashKey(key)), lt(mailQuota.at, keepSince.toISOString())));
}

async function issueToken(tx: Tx, subscriptionId: number, purpose: 'confirm' | 'unsubscribe', now: Date): Promise<string> {
  const token = newToken();
  const expiresAt = purpose === 'confirm' ? new Date(now.getTime() + CONFIRMATION_TTL_MS).toISOString() : null;
  await tx.insert(subscriptionTokens).values({ hash: hashToken(token), subscriptionId, purpose, createdAt: now.toISOString(), expiresAt });
  if (purpose === 'confirm') await tx.update(subscriptions).set({ lastConfirmationAt: now.toISOString() }).where(eq(subscriptions.id, subscriptionId));
  return token;
}

async function enqueueMail(tx: Tx, mail: NewMail, now: Date): Promise<boolean> {
  const queued = await tx
    .insert(outbox)
    .values({ ...mail, headers: JSON.stringify(mail.headers), createdAt: now.toISOString(), nextAttemptAt: now.toISOString() })
    .onConflictDoNothing({ target: outbox.key })
    .returning({ id: outbox.id });
  return queued.length > 0;
}

async function findToken(db: Writer, token: string, purpose: 'confirm' | 'unsubscribe', now: Date, lock = false) {
  const query = db
    .select({ token: subscriptionTokens, subscription: subscriptions })
    .from(subscriptionTokens)
    .innerJoin(subscriptions, eq(subscriptions.id, subscriptionTokens.subscriptionId))
    .where(and(eq(subscriptionTokens.hash, hashToken(token)), eq(subscriptionTokens.purpose, purpose)));
  // Following a link locks its token and subscription: of two requests with one token, the second sees what the first did.
  const [found] = await (lock ? query.for('update') : query);
  if (!found) return null;
  const expired = found.token.expiresAt !== null && found.token.expiresAt <= now.toISOString();
  return { subscription: found.subscription as Subscription, used: found.token.usedAt !== null, expired };
}

/** Mail rows as SQLite's outbox gives them (the same columns, named alike). */
const MAIL_COLUMNS = sql.raw(`id, key, kind, subscription_id AS "subscriptionId", recipient, subject, text, html, headers, created_at AS "createdAt", attempts,
  next_attempt_at AS "nextAttemptAt", sent_at AS "sentAt", last_error AS "lastError", locked_by AS "lockedBy", locked_until AS "lockedUntil"`);

export function postgresMailStore(database: PostgresDatabase): MailStore {
  const primary: Primary = database.db.$primary ?? database.db;
  /** Frees the mail held by senders whose process is gone (on this host: catalogue/lease.ts), as SQLite's claim does; elsewhere the lease's expiry decides. */
  const releaseGone = async (at: string): Promise<void> => {
    const { rows } = await primary.execute<{ holder: string }>(sql`SELECT DISTINCT locked_by AS holder FROM outbox WHERE sent_at IS NULL AND locked_until > ${at}`);
    const gone = rows.map((r) => r.holder).filter((holder) => !isAlive(holder));
    if (gone.length === 0) return;
    await primary.update(outbox).set({ lockedBy: null, lockedUntil: null }).where(and(isNull(outbox.sentAt), inArray(outbox.lockedBy, gone)));
  };
  return {
    subscribe({ email, settings, requester, now, windows }, refusal, compose) {
      return primary.transaction(async (tx) => {
        await lockBudget(tx, 'address', email);
        if (requester !== null) await lockBudget(tx, 'ip', requester);
        const key = settingsKey(settings);
        let [subscription] = await tx
          .select()
          .from(subscriptions)
          .where(and(eq(subscriptions.email, email), eq(subscriptions.settings, key), ne(subscriptions.status, 'ended')));
        if (subscription?.status === 'active') return false;
        const refused = refusal({
          byRequester: requester === null ? null : await quotaUsed(tx, 'ip', requester, windows.today),
          addressLately: await quotaUsed(tx, 'address', email, windows.lately),
          addressToday: await quotaUsed(tx, 'address', email, windows.today),
        });
        if (refused) throw refused;
        await chargeQuota(tx, 'address', email, now, windows.today);
        if (requester !== null) await chargeQuota(tx, 'ip', requester, now, windows.today);
        if (!subscription) {
          [subscription] = await tx.insert(subscriptions).values(newSubscription(email, settings, now)).returning();
          const opinions = opinionsOf(subscription!.id, settings);
          if (opinions.length > 0) await tx.insert(subscriptionPapers).values(opinions);
        }
        const token = await issueToken(tx, subscription!.id, 'confirm', now);
        return enqueueMail(tx, confirmationOf(subscription as Subscription, email, now, compose(token)), now);
      });
    },
    findToken: (token, purpose, now) => findToken(primary, token, purpose, now),
    follow(token, purpose, now, decide) {
      return primary.transaction(async (tx) => {
        const found = await findToken(tx, token, purpose, now, true);
        const { change, answer } = decide(found);
        if (change === null) return answer;
        const used = await tx
          .update(subscriptionTokens)
          .set({ usedAt: now.toISOString() })
          .where(and(eq(subscriptionTokens.hash, hashToken(token)), isNull(subscriptionTokens.usedAt)))
          .returning({ hash: subscriptionTokens.hash });
        if (used.length === 0 && change === 'activate') return 'raced' as const;
        const id = found!.subscription.id;
        if (change === 'activate') {
          await tx
            .update(subscriptions)
            .set({ status: 'active', confirmedAt: sql`coalesce(${subscriptions.confirmedAt}, ${now.toISOString()})` })
            .where(and(eq(subscriptions.id, id), ne(subscriptions.status, 'ended')));
        } else {
          await tx.update(subscriptions).set({ status: 'ended', endedAt: now.toISOString() }).where(eq(subscriptions.id, id));
        }
        return answer;
      });
    },
    async activeSubscriptions(period) {
      const rows = await primary
        .select()
        .from(subscriptions)
        .where(and(eq(subscriptions.period, period), eq(subscriptions.status, 'active')))
        .orderBy(subscriptions.id);
      return rows as Subscription[];
    },
    async tasteOf(subscriptionId) {
      const rows = await primary
        .select({ id: papers.id, arxivId: papers.arxivId, opinion: subscriptionPapers.opinion })
        .from(subscriptionPapers)
        .innerJoin(papers, eq(papers.id, subscriptionPapers.paperId))
        .where(eq(subscriptionPapers.subscriptionId, subscriptionId))
        .orderBy(papers.id);
      const of = (opinion: 'liked' | 'disliked') => rows.filter((r) => r.opinion === opinion).map(({ id, arxivId }) => ({ id, arxivId }));
      return { liked: of('liked'), disliked: of('disliked') };
    },
    queueWithUnsubscribeToken(mail, now, compose) {
      return primary.transaction(async (tx) => enqueueMail(tx, { ...mail, ...compose(await issueToken(tx, mail.subscriptionId!, 'unsubscribe', now)) }, now));
    },
    async mailByKey(key) {
      const [mail] = await primary.select().from(outbox).where(eq(outbox.key, key));
      return (mail as QueuedMail | undefined) ?? null;
    },
    async claimDueMail(sender, now, leaseMs, limit) {
      const at = now.toISOString();
      await releaseGone(at);
      const { rows } = await primary.execute<QueuedMail & Record<string, unknown>>(sql`
        UPDATE outbox SET locked_by = ${sender}, locked_until = ${new Date(now.getTime() + leaseMs).toISOString()}
        WHERE id IN (
          SELECT id FROM outbox
          WHERE sent_at IS NULL AND next_attempt_at <= ${at} AND (locked_until IS NULL OR locked_until <= ${at})
          ORDER BY next_attempt_at, id
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING ${MAIL_COLUMNS}`);
      return rows.sort((a, b) => a.nextAttemptAt.localeCompare(b.nextAttemptAt) || a.id - b.id);
    },
    async claimMail(id, sender, now, leaseMs) {
      const at = now.toISOString();
      await releaseGone(at);
      const taken = await primary
        .update(outbox)
        .set({ lockedBy: sender, lockedUntil: new Date(now.getTime() + leaseMs).toISOString() })
        .where(and(eq(outbox.id, id), isNull(outbox.sentAt), sql`(${outbox.lockedUntil} IS NULL OR ${outbox.lockedUntil} <= ${at})`))
        .returning({ id: outbox.id });
      return taken.length === 1;
    },
    async markSent(id, now) {
      await primary.update(outbox).set({ sentAt: now.toISOString(), lastError: null, lockedBy: null, lockedUntil: null }).where(eq(outbox.id, id));
    },
    async markFailed(id, error, retryAt) {
      await primary
        .update(outbox)
        .set({ attempts: sql`${outbox.attempts} + 1`, lastError: error, nextAttemptAt: retryAt.toISOString(), lockedBy: null, lockedUntil: null })
        .where(eq(outbox.id, id));
    },
  };
}
