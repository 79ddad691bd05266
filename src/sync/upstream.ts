// Asking the daily-papers API for one day, politely: one request at a time
// (the caller awaits each), spaced, with a User-Agent naming the project, a
// time-out, retries with exponential backoff on 5xx and network errors, and
// on 429 the wait the server asks for (Retry-After, RateLimit-Reset or
// RateLimit's t=). A day of more papers than a page holds is read page by
// page: the API answers at most 100 items (50 unless asked), so a day asked
// for by date alone loses the rest.
import type { SyncSettings } from '../config.ts';
import { unwrapDailyPapers } from '../ingest/daily-papers.ts';
import { isObject } from '../ingest/record.ts';

export const USER_AGENT = 'paper-catalogue/0.1 (daily-papers sync; +npm run sync)';

/** The most items the API gives in one answer (its limit's maximum). */
export const PAGE_SIZE = 100;
/** The API refuses to page past p × limit = 5,000; a day that fills every page is failed, not cut short. */
const MAX_PAGES = 50;
export const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\b|^text\/json\b/iu;

/** The upstream could not be reached, or kept failing: the run stops, the next one picks up. */
export class UpstreamUnreachable extends Error {}

/** The upstream answered, but not with a list of papers (a 404, say): that day fails, the run goes on. */
export class BadDay extends Error {}

export type Fetched = { status: 'not-modified' } | { status: 'ok'; bytes: Buffer; etag: string | null; contentType: string };

export interface Wait {
  day: string;
  reason: string;
  ms: number;
}

/**
 * How long a 429 (or 503) asks to wait, in ms: Retry-After in seconds or as an
 * HTTP date, else RateLimit-Reset (seconds from now, or a Unix time), else
 * the t= of a RateLimit header ("api";r=0;t=55). Null when it says nothing.
 */
export function retryAfterMs(headers: Headers, now: number): number | null {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+$/u.test(retryAfter)) return Number(retryAfter) * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = headers.get('ratelimit-reset')?.trim();
  if (reset && /^\d+$/u.test(reset)) {
    const seconds = Number(reset);
    // Larger than a year of seconds: a Unix time, as some servers send.
    return seconds > 31_536_000 ? Math.max(0, seconds * 1000 - now) : seconds * 1000;
  }
  const t = /(?:^|[;,\s])t=(\d+)/u.exec(headers.get('ratelimit') ?? '');
  return t ? Number(t[1]) * 1000 : null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createUpstream(settings: SyncSettings, onWait: (wait: Wait) => void = () => {}) {
  let lastRequest = 0;

  async function request(day: string, page: number, etag: string | null): Promise<Response & { bytes?: Buffer }> {
    const spacing = lastRequest + settings.spacingMs - Date.now();
    if (spacing > 0) await sleep(spacing);
    lastRequest = Date.now();
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: 'application/json' };
    if (settings.token) headers.authorization = `Bearer ${settings.token}`;
    if (etag) headers['if-none-match'] = etag;
    const signal = AbortSignal.timeout(settings.timeoutMs);
    // By publishedAt, which does not change, so that papers do not move between pages while upvotes do.
    const url = `${settings.upstreamUrl}/api/daily_papers?date=${day}&sort=publishedAt&limit=${PAGE_SIZE}&p=${page}`;
    const response = await fetch(url, { headers, signal, redirect: 'follow' });
    // The body is read under the same time-out: a server that stalls half-way fails too.
    const bytes = Buffer.from(await response.arrayBuffer());
    return Object.assign(response, { bytes });
  }

  /** One page of the day, or not-modified for the ETag given; throws UpstreamUnreachable or BadDay. */
  async function fetchPage(day: string, page: number, etag: string | null): Promise<Fetched> {
    let failures = 0;
    let limited = 0;
    for (;;) {
      let reason: string;
      let wait: number | null = null;
      try {
        const response = await request(day, page, etag);
        if (response.status === 304) return { status: 'not-modified' };
        if (response.status === 200) {
          return { status: 'ok', bytes: response.bytes!, etag: response.headers.get('etag'), contentType: response.headers.get('content-type') ?? '' };
        }
        reason = `HTTP ${response.status}`;
        if (response.status === 429) {
          if (limited++ >= settings.retries) throw new UpstreamUnreachable(`rate limited (HTTP 429) ${limited} times in a row`);
          wait = retryAfterMs(response.headers, Date.now()) ?? settings.backoffMs * 2 ** (limited - 1);
          if (wait > settings.maxWaitMs) throw new UpstreamUnreachable(`rate limited: asked to wait ${Math.ceil(wait / 1000)} s, more than SYNC_MAX_WAIT_MS`);
        } else if (response.status < 500) {
          throw new BadDay(`the upstream answered HTTP ${response.status}`);
        }
      } catch (error) {
        if (error instanceof UpstreamUnreachable || error instanceof BadDay) throw error;
        const e = error as Error & { cause?: { code?: string } };
        reason = e.name === 'TimeoutError' ? `no answer within ${settings.timeoutMs} ms` : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}`;
      }
      if (wait === null) {
        if (failures >= settings.retries) throw new UpstreamUnreachable(`${reason}, ${failures + 1} attempts`);
        wait = settings.backoffMs * 2 ** failures++;
      }
      onWait({ day, reason, ms: wait });
      await sleep(wait);
    }
  }

  /**
   * The day's items: its first page as it came (with its ETag) when that holds
   * them all, else every page's items in one list, without an ETag (the first
   * page's says nothing of the others; the checksum of the list tells whether
   * the day changed). A page that is not a list is returned as it came, for
   * the caller to refuse. Throws UpstreamUnreachable or BadDay.
   */
  async function fetchDay(day: string, etag: string | null): Promise<Fetched> {
    const first = await fetchPage(day, 0, etag);
    const items = first.status === 'ok' ? pageItems(first) : null;
    if (first.status !== 'ok' || items === null || items.length < PAGE_SIZE) return first;
    const seen = new Set(items.map(itemKey));
    for (let page = 1; ; page++) {
      if (page === MAX_PAGES) throw new BadDay(`more than ${MAX_PAGES * PAGE_SIZE} items: the upstream pages no further`);
      const next = await fetchPage(day, page, null);
      if (next.status === 'not-modified') throw new BadDay(`the upstream answered HTTP 304 for page ${page}, asked for without an ETag`);
      const more = pageItems(next);
      if (more === null) return next;
      // An item already seen moved down a page (a paper was added before it); an
      // upstream that ignores p sends nothing new, and ends the day.
      const fresh = more.filter((item) => !seen.has(itemKey(item)));
      for (const item of fresh) seen.add(itemKey(item));
      items.push(...fresh);
      if (more.length < PAGE_SIZE || fresh.length === 0) break;
    }
    return { status: 'ok', bytes: Buffer.from(JSON.stringify(items)), etag: null, contentType: first.contentType };
  }

  return { fetchDay };
}

/** The items of a page, or null when it is not a JSON list of them. */
function pageItems(page: Extract<Fetched, { status: 'ok' }>): unknown[] | null {
  if (!JSON_TYPE.test(page.contentType)) return null;
  try {
    return unwrapDailyPapers(JSON.parse(page.bytes.toString('utf8')))?.items ?? null;
  } catch {
    return null;
  }
}

/** A paper is the same item on two pages, whatever its upvotes did in between. */
const itemKey = (item: unknown): string =>
  isObject(item) && isObject(item.paper) && typeof item.paper.id === 'string' ? item.paper.id : JSON.stringify(item);

