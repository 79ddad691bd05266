// The plain routes that read the catalogue: the Atom feeds and the
// daily-papers API. Each is answered from the few facts of its request that a
// RouteTask holds, so that an execution thread can answer it
// (graphql/execution-threads.ts): a month's feed is every paper of the month,
// and a month's list ranked by trending scores all of them, work that would
// hold up every request waiting on the main thread.
import type { Catalogue } from '../catalogue/catalogue.ts';
import { answerDailyPapers, isDailyPapersPath, isPaperPath } from './daily-papers-api.ts';
import { answerFeed, isFeedPath } from './feeds.ts';

/** What of a request a catalogue route's answer reads: all an execution thread is handed. */
export interface RouteTask {
  url: string;
  method: string;
  ifNoneMatch: string | null;
  /** Base of a feed's own links. */
  publicUrl: string;
  /** MAX_QUERY_NODES, which a feed's q is held to as searchPapers's query is. */
  maxNodes: number;
}

/** The task of a request for a catalogue route; null for another path. */
export function routeTask(request: Request, url: URL, publicUrl: string, maxNodes: number): RouteTask | null {
  const { pathname } = url;
  if (!isFeedPath(pathname) && !isDailyPapersPath(pathname) && !isPaperPath(pathname)) return null;
  return { url: url.href, method: request.method, ifNoneMatch: request.headers.get('if-none-match'), publicUrl, maxNodes };
}

/** Whether a route reads more than a lookup does, and goes to an execution thread: all but one paper's. */
export const readsMany = (task: RouteTask): boolean => !isPaperPath(new URL(task.url).pathname);

/** The answer to a catalogue route. */
export function answerRoute(catalogue: Catalogue, task: RouteTask): Promise<Response> {
  return isFeedPath(new URL(task.url).pathname) ? answerFeed(catalogue, task) : answerDailyPapers(catalogue, task);
}
