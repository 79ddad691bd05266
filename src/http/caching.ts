// Cacheable reads: persisted operations (a hash instead of the document), an
// in-process response cache for anonymous reads with ETag / 304, and
// Cache-Control. Cached responses are keyed by the version of the data, which
// changes with every commit (an import in another process, a mutation here),
// so nothing stale is served or confirmed by a 304 after the data changed.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { useResponseCache, type Cache } from '@graphql-yoga/plugin-response-cache';
import type { Catalogue } from '../catalogue/catalogue.ts';
import type { Config } from '../config.ts';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A small LRU of results that only answers for the current data version. */
class VersionedCache implements Cache {
  private readonly entries = new Map<string, { result: ExecutionResult; expires: number }>();
  version = '';

  constructor(private readonly maxEntries: number) {}

  private current(key: string): boolean {
    return key.startsWith(`"${this.version}-`);
  }

  get(key: string) {
    const entry = this.entries.get(key);
    if (!entry || !this.current(key) || entry.expires < Date.now()) return undefined;
    return entry.result;
  }

  set(key: string, result: ExecutionResult, _entities: unknown, ttl: number): void {
    if (!this.current(key)) return; // computed on data that has changed since
    this.entries.delete(key);
    this.entries.set(key, { result, expires: Date.now() + ttl });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  invalidate(): void {
    this.entries.clear();
  }

  /** Drops everything when the data version moves. */
  advance(version: string): void {
    if (version !== this.version) this.entries.clear();
    this.version = version;
  }
}

export function responseCache(catalogue: Pick<Catalogue, 'dataVersion'>, ttlMs: number): Plugin[] {
  if (ttlMs === 0) return [];
  const cache = new VersionedCache(1_000);
  const maxAge = Math.floor(ttlMs / 1000);
  const versionOf = new WeakMap<Request, string>();
  return [
    {
      onRequest({ request }) {
        let version: string;
        try {
          version = catalogue.dataVersion();
        } catch {
          version = `unreadable-${Date.now()}`; // the request will fail on its own; cache nothing for it
        }
        cache.advance(version);
        versionOf.set(request, cache.version);
      },
      onResponse({ request, response }) {
        if (!new URL(request.url).pathname.startsWith('/graphql')) return;
        response.headers.set('cache-control', response.headers.has('etag') ? `public, max-age=${maxAge}` : 'no-store');
      },
    },
    useResponseCache({
      // The API has no accounts: every read is anonymous and shared.
      session: () => null,
      cache,
      ttl: ttlMs,
      // (true also keeps mutation results out of the cache; the data version does the invalidating)
      invalidateViaMutation: true,
      buildResponseCacheKey: ({ documentString, variableValues, operationName, request }) =>
        `"${versionOf.get(request) ?? cache.version}-${sha256(JSON.stringify([documentString, variableValues ?? {}, operationName ?? null])).slice(0, 32)}"`,
    }),
  ];
}

interface PersistedQueryExtension {
  version?: number;
  sha256Hash?: string;
}

/**
 * Persisted operations, in the format Apollo clients send
 * (`extensions.persistedQuery.sha256Hash`). "apq": a client sends the hash
 * alone, and the document with it once when the server does not know it yet.
 * "allowlist": only the operations of the allow-list file run.
 */
export function persistedOperations({ persistedOperations: mode, persistedOperationsFile }: Config): Plugin[] {
  if (mode === 'off') return [];
  const known = new Map<string, string>(
    mode === 'allowlist' ? Object.entries(JSON.parse(readFileSync(persistedOperationsFile!, 'utf8')) as Record<string, string>) : [],
  );
  const refuse = (message: string, code: string) => new GraphQLError(message, { extensions: { code, http: { status: 200 } } });

  /** The params with the document filled in from its hash, or an error saying why not. */
  function resolve(params: GraphQLParams): GraphQLParams {
    if (typeof params !== 'object' || params === null) return params; // yoga refuses it next
    const hash = (params.extensions?.persistedQuery as PersistedQueryExtension | undefined)?.sha256Hash;
    if (!hash) {
      if (mode === 'allowlist') throw refuse('This server runs persisted operations only: send extensions.persistedQuery.sha256Hash.', 'PERSISTED_QUERY_REQUIRED');
      return params;
    }
    if (params.query) {
      if (mode === 'allowlist') throw refuse('Send the hash of an allowed operation, without the document.', 'PERSISTED_QUERY_REQUIRED');
      if (sha256(params.query) !== hash) throw refuse('persistedQuery.sha256Hash is not the SHA-256 of the query.', 'PERSISTED_QUERY_HASH_MISMATCH');
      known.set(hash, params.query);
      if (known.size > 10_000) known.delete(known.keys().next().value!);
      return params;
    }
    const query = known.get(hash);
    // The message and code Apollo clients look for before sending the document.
    if (!query) throw refuse('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND');
    return { ...params, query };
  }

  return [
    {
      // Before yoga checks that a query is there.
      onRequestParse: () => ({
        onRequestParseDone({ requestParserResult, setRequestParserResult }) {
          setRequestParserResult(Array.isArray(requestParserResult) ? requestParserResult.map(resolve) : resolve(requestParserResult));
        },
      }),
    },
  ];
}
