// How much mail subscribing has caused, per address and per client IP, kept
// in the database so that every worker process and every restart sees the
// same counts. Only hashes are stored: the table says nothing about who.
import { createHash } from 'node:crypto';
import { and, count, eq, gt, lt } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { mailQuota } from '../db/schema.ts';

export type QuotaBucket = 'address' | 'ip';

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** How many times `key` was charged in `bucket` after `since`. */
export function quotaUsed(db: Db, bucket: QuotaBucket, key: string, since: Date): number {
  const row = db
    .select({ n: count() })
    .from(mailQuota)
    .where(and(eq(mailQuota.bucket, bucket), eq(mailQuota.keyHash, hashKey(key)), gt(mailQuota.at, since.toISOString())))
    .get();
  return row?.n ?? 0;
}

/** Counts one use of `key` in `bucket`, and forgets uses older than `keepSince` (no window is longer). */
export function chargeQuota(db: Db, bucket: QuotaBucket, key: string, now: Date, keepSince: Date): void {
  db.insert(mailQuota).values({ bucket, keyHash: hashKey(key), at: now.toISOString() }).run();
  db.delete(mailQuota).where(and(eq(mailQuota.bucket, bucket), eq(mailQuota.keyHash, hashKey(key)), lt(mailQuota.at, keepSince.toISOString()))).run();
}
