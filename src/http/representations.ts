// What a cache between the server and its clients must know. Every response
// varies by Origin (CORS headers are computed per request, and may reflect the
// origin) and by Accept (/graphql answers application/json or
// application/graphql-response+json from the same URL), so every response says
// `Vary: Origin, Accept`, merged with what it already varies by.
//
// A cached /graphql answer carries the response cache's key as its ETag; that
// key names the result, not the bytes, which differ by media type. Each
// representation gets its own ETag (the key hashed with the media type; not the
// body, whose extensions.cost says what the client's budget has left), and a
// GET whose If-None-Match holds it is answered 304.
import { createHash } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import { GRAPHQL_PATH } from './limits.ts';

const VARY = ['Origin', 'Accept'];

/** `existing` with `names` added, each once whatever its case. */
export function mergeVary(existing: string | null, names: readonly string[]): string {
  const kept = new Map<string, string>();
  for (const name of [...(existing?.split(',') ?? []), ...names]) {
    const trimmed = name.trim();
    if (trimmed && !kept.has(trimmed.toLowerCase())) kept.set(trimmed.toLowerCase(), trimmed);
  }
  return kept.has('*') ? '*' : [...kept.values()].join(', ');
}

/** If-None-Match's weak comparison (RFC 9110 13.1.2). */
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//u, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/** Deleted first: on a response made with `{ ETag: … }`, set('etag') alone leaves that one in place too. */
function replaceHeader(headers: Headers, name: string, value: string): void {
  headers.delete(name);
  headers.set(name, value);
}

const etagOf = (key: string, mediaType: string): string =>
  `"${createHash('sha256').update(`${key}\n${mediaType}`).digest('base64url').slice(0, 27)}"`;

/**
 * Vary on every response, an ETag per representation and the 304s of /graphql.
 * Register it before observability, so that the log and metrics see the 304.
 */
export function representations(): Plugin {
  return {
    onResponse({ request, response, setResponse, fetchAPI }) {
      let answer = response;
      try {
        replaceHeader(answer.headers, 'vary', mergeVary(answer.headers.get('vary'), VARY));
      } catch {
        // Immutable headers (Response.error(), a fetched response): answer with a copy.
        answer = new fetchAPI.Response(response.body, response);
        replaceHeader(answer.headers, 'vary', mergeVary(answer.headers.get('vary'), VARY));
        setResponse(answer);
      }
      const key = answer.headers.get('etag');
      if (!key || answer.status !== 200 || new URL(request.url).pathname !== GRAPHQL_PATH) return;
      const mediaType = answer.headers.get('content-type')?.split(';', 1)[0]!.trim().toLowerCase() ?? '';
      const etag = etagOf(key, mediaType);
      replaceHeader(answer.headers, 'etag', etag);
      if ((request.method === 'GET' || request.method === 'HEAD') && matches(request.headers.get('if-none-match'), etag)) {
        const headers = new fetchAPI.Headers(answer.headers);
        headers.delete('content-length');
        setResponse(new fetchAPI.Response(null, { status: 304, headers }));
      }
    },
  };
}
