// npx tsx test/bench/calibrate.ts [catalogue.db]: the most expensive request of
// each shape that MAX_QUERY_NODES admits, timed alone through the whole app
// (createApp(...).fetch, response cache off), to choose the default limit.
// Without a file it builds the seeds catalogue in a temporary folder.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCatalogue } from '../../src/catalogue/index.ts';
import { loadConfig } from '../../src/config.ts';
import { loadSeedsIfNeeded } from '../../src/ingest/seeds.ts';
import { createApp } from '../../src/yoga.ts';
import { EXPENSIVE_SHAPES as shapes, largestAdmitted } from './shapes.ts';

const file = process.argv[2] ?? path.join(mkdtempSync(path.join(os.tmpdir(), 'calibrate-')), 'catalogue.db');
const database = openCatalogue(file);
loadSeedsIfNeeded(database);
const limit = Number(process.env.MAX_QUERY_NODES ?? 100_000);
const app = createApp(database, { config: loadConfig({ RATE_LIMIT_PER_MINUTE: '0', RESPONSE_CACHE_TTL_MS: '0', LOG_LEVEL: 'silent', MAX_QUERY_NODES: String(limit), EXECUTION_THREADS: '0' }) });

async function run(query: string): Promise<{ ms: number; bytes: number; text: string }> {
  const started = performance.now();
  const response = await app.fetch('http://calibrate/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const text = await response.text();
  const ms = performance.now() - started;
  return { ms, bytes: text.length, text };
}

process.stdout.write(`MAX_QUERY_NODES=${limit} on ${file}\n\n| shape | largest size admitted | nodes | ms alone (best of 3) | bytes |\n|---|--:|--:|--:|--:|\n`);
for (const [name, shape] of Object.entries(shapes)) {
  const largest = await largestAdmitted(async (query) => JSON.parse((await run(query)).text) as unknown, shape);
  if (largest === 0) {
    process.stdout.write(`| ${name} | none | | | |\n`);
    continue;
  }
  let best = Infinity;
  let bytes = 0;
  for (let i = 0; i < 3; i++) {
    const result = await run(shape(largest));
    best = Math.min(best, result.ms);
    bytes = result.bytes;
  }
  const probe = await app.fetch('http://calibrate/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: shape(largest) }) });
  const nodes = ((await probe.json()) as { extensions?: { cost?: { requestedNodes: number } } }).extensions?.cost?.requestedNodes ?? 0;
  process.stdout.write(`| ${name} | ${largest} | ${nodes} | ${best.toFixed(0)} | ${bytes} |\n`);
}
database.close();
