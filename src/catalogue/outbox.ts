// The mail queue. Mail is written here in the same transaction as what it is
// about, and delivered later by the outbox worker, so nothing is lost when
// the SMTP server is down or the process stops.
import { and, asc, eq, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { outbox } from '../db/schema.ts';

export type QueuedMail = typeof outbox.$inferSelect;

export interface NewMail {
  key: string;
  kind: 'confirmation' | 'digest';
  subscriptionId: number | null;
  recipient: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

/** Queues a mail unless one with the same key was queued before; true when it was queued now. */
export function enqueueMail(db: Db, mail: NewMail, now: Date): boolean {
  const result = db
    .insert(outbox)
    .values({ ...mail, headers: JSON.stringify(mail.headers), createdAt: now.toISOString(), nextAttemptAt: now.toISOString() })
    .onConflictDoNothing({ target: outbox.key })
    .run();
  return result.changes > 0;
}

/** Unsent mail whose next attempt is due, oldest first. */
export function dueMail(db: Db, now: Date, limit = 50): QueuedMail[] {
  return db
    .select()
    .from(outbox)
    .where(and(isNull(outbox.sentAt), lte(outbox.nextAttemptAt, now.toISOString())))
    .orderBy(asc(outbox.nextAttemptAt), asc(outbox.id))
    .limit(limit)
    .all();
}

/**
 * Takes a mail for `sender` to send: true unless it is sent already, or
 * another sender holds it (its lock has not expired and `isAlive` says its
 * process is still there). The lock is taken by compare-and-swap on what was
 * read, so of two senders racing for one mail exactly one wins.
 */
export function claimMail(db: Db, id: number, sender: string, now: Date, leaseMs: number, isAlive: (sender: string) => boolean): boolean {
  const row = db.select({ sentAt: outbox.sentAt, lockedBy: outbox.lockedBy, lockedUntil: outbox.lockedUntil }).from(outbox).where(eq(outbox.id, id)).get();
  if (!row || row.sentAt) return false;
  const held = row.lockedBy !== null && row.lockedUntil !== null && row.lockedUntil > now.toISOString() && (row.lockedBy === sender || isAlive(row.lockedBy));
  if (held) return false;
  const sameLock = and(
    row.lockedBy === null ? isNull(outbox.lockedBy) : eq(outbox.lockedBy, row.lockedBy),
    row.lockedUntil === null ? isNull(outbox.lockedUntil) : eq(outbox.lockedUntil, row.lockedUntil),
  );
  const taken = db
    .update(outbox)
    .set({ lockedBy: sender, lockedUntil: new Date(now.getTime() + leaseMs).toISOString() })
    .where(and(eq(outbox.id, id), isNull(outbox.sentAt), sameLock))
    .run();
  return taken.changes === 1;
}

export function markSent(db: Db, id: number, now: Date): void {
  db.update(outbox).set({ sentAt: now.toISOString(), lastError: null, lockedBy: null, lockedUntil: null }).where(eq(outbox.id, id)).run();
}

export function markFailed(db: Db, id: number, error: string, retryAt: Date): void {
  db.update(outbox)
    .set({ attempts: sql`${outbox.attempts} + 1`, lastError: error, nextAttemptAt: retryAt.toISOString(), lockedBy: null, lockedUntil: null })
    .where(eq(outbox.id, id))
    .run();
}

export function mailByKey(db: Db, key: string): QueuedMail | null {
  return db.select().from(outbox).where(eq(outbox.key, key)).get() ?? null;
}
