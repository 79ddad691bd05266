// Reading the upvote history: each paper's counts on the days they changed.
import { asc, inArray } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { upvoteHistory } from '../db/schema.ts';

export interface UpvoteCount {
  /** "YYYY-MM-DD": the day the counts were observed. */
  date: string;
  upvotes: number;
  githubStars: number | null;
}

/** The history of each paper, oldest first, in the order of `paperIds` (an empty list for a paper without one): a DataLoader's batch. */
export function upvoteHistoryOf(db: Db, paperIds: readonly number[]): UpvoteCount[][] {
  const byPaper = new Map<number, UpvoteCount[]>(paperIds.map((id) => [id, []]));
  const rows = db
    .select()
    .from(upvoteHistory)
    .where(inArray(upvoteHistory.paperId, [...byPaper.keys()]))
    .orderBy(asc(upvoteHistory.paperId), asc(upvoteHistory.date))
    .all();
  for (const { paperId, ...count } of rows) byPaper.get(paperId)!.push(count);
  return paperIds.map((id) => byPaper.get(id)!);
}
