// The server under load, in a process of its own so that the load generator
// (run.ts, in the parent) does not share its event loop.
//
//   tsx test/bench/server.ts <catalogue.db | postgres://…> <lifetime in seconds>
//   BENCH_RESPONSE_CACHE=on tsx test/bench/server.ts …   the same with the response cache on
//
// Serves an already-built catalogue (a SQLite file, or a PostgreSQL database
// as DATABASE_URL) on 127.0.0.1, on a free port, and prints
// its URL as the first line on stdout. It stops on SIGTERM / SIGINT, when its
// stdin closes (the parent went away), or at the end of its lifetime at the latest.
import { loadConfig } from '../../src/config.ts';
import { isPostgresUrl } from '../../src/db/postgres.ts';
import { startServer } from '../../src/server.ts';
import { BENCH_ENV } from './settings.ts';
import { stopWhenAsked } from './lifecycle.ts';

const [catalogue, lifetime] = process.argv.slice(2);
const lifetimeSeconds = Number(lifetime);
if (!catalogue || !(lifetimeSeconds > 0)) {
  process.stderr.write('usage: tsx test/bench/server.ts <catalogue.db | postgres://…> <lifetime in seconds>\n');
  process.exit(2);
}

// BENCH_RESPONSE_CACHE=on: as deployed, with the response cache (the shared cache of repeated reads included).
const cache = process.env.BENCH_RESPONSE_CACHE === 'on' ? { RESPONSE_CACHE_TTL_MS: '60000' } : {};
// EXECUTION_THREADS=0: every query on the main thread (contention.ts compares).
const threads = process.env.EXECUTION_THREADS ? { EXECUTION_THREADS: process.env.EXECUTION_THREADS } : {};
const running = await startServer(
  loadConfig({ ...(isPostgresUrl(catalogue) ? { DATABASE_URL: catalogue } : { DATABASE_PATH: catalogue }), HOST: '127.0.0.1', PORT: '0', SEEDS: 'off', ...BENCH_ENV, ...cache, ...threads }),
);
process.stdout.write(`${running.url}\n`);

stopWhenAsked('bench server', lifetimeSeconds, () => running.close());
