// Facts about the database itself, kept in the `meta` table.
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { meta, papers } from '../db/schema.ts';

export function getMeta(db: Db, key: string): string | null {
  return db.select({ value: meta.value }).from(meta).where(eq(meta.key, key)).get()?.value ?? null;
}

export function setMeta(db: Db, key: string, value: string): void {
  db.insert(meta).values({ key, value }).onConflictDoUpdate({ target: meta.key, set: { value } }).run();
}

export function countPapers(db: Db): number {
  return db.select({ n: sql<number>`count(*)` }).from(papers).get()!.n;
}
