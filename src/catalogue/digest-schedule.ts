// Which periods' digests the server has queued on its own: each once.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { digestSchedule } from '../db/schema.ts';
import type { Period } from './dates.ts';

export function wasScheduled(db: Db, period: Period, start: string): boolean {
  return db.select({ start: digestSchedule.start }).from(digestSchedule).where(and(eq(digestSchedule.period, period), eq(digestSchedule.start, start))).get() !== undefined;
}

export function markScheduled(db: Db, period: Period, start: string, mails: number, now: Date): void {
  db.insert(digestSchedule).values({ period, start, mails, queuedAt: now.toISOString() }).onConflictDoNothing().run();
}
