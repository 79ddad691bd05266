// The settings of the app under test, in this process and in the server.
// What is measured is the work of each query: no response cache (every
// request after the first would be a cache hit), no rate limit (autocannon
// would get 429s), and no line on stderr per request. NODE_ENV=production as
// in a deployment (graphql-js skips its development-time checks).
export const BENCH_ENV = {
  NODE_ENV: 'production',
  RESPONSE_CACHE_TTL_MS: '0',
  RATE_LIMIT_PER_MINUTE: '0',
  LOG_LEVEL: 'warn',
} as const;
