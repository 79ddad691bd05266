// Asking the daily-papers API for one day, politely: one request at a time
// (the caller awaits each), spaced, with a User-Agent naming the project, a
// time-out, retries with exponential backoff on 5xx and network errors, and
// on 429 the wait the server asks for (Retry-After, RateLimit-Reset or
// RateLimit's t=).
import type { SyncSettings } from '../config.ts';

export const USER_AGENT = 'paper-catalogue/0.1 (daily-papers sync; +npm run sync)';

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

  async function request(day: string, etag: string | null): Promise<Response & { bytes?: Buffer }> {
    const spacing = lastRequest + settings.spacingMs - Date.now();
    if (spacing > 0) await sleep(spacing);
    lastRequest = Date.now();
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: 'application/json' };
    if (settings.token) headers.authorization = `Bearer ${settings.token}`;
    if (etag) headers['if-none-match'] = etag;
    const signal = AbortSignal.timeout(settings.timeoutMs);
    const response = await fetch(`${settings.upstreamUrl}/api/daily_papers?date=${day}`, { headers, signal, redirect: 'follow' });
    // The body is read under the same time-out: a server that stalls half-way fails too.
    const bytes = Buffer.from(await response.arrayBuffer());
    return Object.assign(response, { bytes });
  }

  /** The day's response, or not-modified for the ETag given; throws UpstreamUnreachable or BadDay. */
  async function fetchDay(day: string, etag: string | null): Promise<Fetched> {
    let failures = 0;
    let limited = 0;
    for (;;) {
      let reason: string;
      let wait: number | null = null;
      try {
        const response = await request(day, etag);
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

  return { fetchDay };
}
