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

export function hasMail(db: Db, key: string): boolean {
  return db.select({ id: outbox.id }).from(outbox).where(eq(outbox.key, key)).get() !== undefined;
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

export function markSent(db: Db, id: number, now: Date): void {
  db.update(outbox).set({ sentAt: now.toISOString(), lastError: null }).where(eq(outbox.id, id)).run();
}

export function markFailed(db: Db, id: number, error: string, retryAt: Date): void {
  db.update(outbox)
    .set({ attempts: sql`${outbox.attempts} + 1`, lastError: error, nextAttemptAt: retryAt.toISOString() })
    .where(eq(outbox.id, id))
    .run();
}

export function mailByKey(db: Db, key: string): QueuedMail | null {
  return db.select().from(outbox).where(eq(outbox.key, key)).get() ?? null;
}
