// Reading the upvote history: each paper's counts on the days they changed.
import { asc } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { upvoteHistory } from '../db/schema.ts';
import { byKeys, prepared } from './prepared.ts';

export interface UpvoteCount {
  /** "YYYY-MM-DD": the day the counts were observed. */
  date: string;
  upvotes: number;
  githubStars: number | null;
}

/** The history of each paper, oldest first, in the order of `paperIds` (an empty list for a paper without one): a DataLoader's batch. */
export function upvoteHistoryOf(db: Db, paperIds: readonly number[]): UpvoteCount[][] {
  const byPaper = new Map<number, UpvoteCount[]>(paperIds.map((id) => [id, []]));
  const keys = byKeys([...byPaper.keys()]);
  const statement = prepared(db, `upvoteHistoryOf ${keys.shape}`, () =>
    db.select().from(upvoteHistory).where(keys.where(upvoteHistory.paperId)).orderBy(asc(upvoteHistory.paperId), asc(upvoteHistory.date)).prepare(),
  );
  const rows = statement.all(keys.params);
  for (const { paperId, ...count } of rows) byPaper.get(paperId)!.push(count);
  return paperIds.map((id) => byPaper.get(id)!);
}
