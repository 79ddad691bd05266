// npx tsx test/bench/contention.ts [catalogue.db]: does one client's expensive
// work hold the others up? Clients send back to back the most expensive
// requests the limits admit (shapes.ts, each at its largest admitted size),
// and the largest feed and list of papers (the last full month's), one client
// each, while another looks a paper up and another asks /health, one request
// at a time each. Reported: the lookup's and /health's p50 / p99, and what the
// expensive clients got through, with the execution threads as deployed and
// with EXECUTION_THREADS=0 (everything on the main thread). Then what the
// usual scenarios (scenarios.ts) gain or lose by the threads: each sent by one
// client, back to back, alone. Without a file it builds the seeds catalogue in
// a temporary folder.
//
//   CONTENTION_SECONDS   measuring time per setting, default 20
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monthStart } from '../../src/catalogue/dates.ts';
import { existingCatalogue, seedCatalogue } from './catalogue.ts';
import { startChildServer } from './child.ts';
import { machineLine } from './report.ts';
import { SETUP_QUERY, requestBody, requestHeaders, scenarios } from './scenarios.ts';
import { EXPENSIVE_SHAPES, largestAdmitted, sendTo } from './shapes.ts';

const seconds = Number(process.env.CONTENTION_SECONDS ?? 20);
const ALONE_SECONDS = 3;
const catalogue = process.argv[2] ? existingCatalogue(process.argv[2]) : seedCatalogue(mkdtempSync(path.join(os.tmpdir(), 'contention-')));
const lookup = `{ paper(arxivId: "${catalogue.paperId}") { arxivId title authors { name } organization { name } } }`;

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

/** Sends requests one after the other until `until`, timing each. */
async function loop(until: number, send: () => Promise<Response>): Promise<{ ms: number[]; statuses: Map<number, number> }> {
  const ms: number[] = [];
  const statuses = new Map<number, number>();
  while (performance.now() < until) {
    const started = performance.now();
    const response = await send();
    await response.arrayBuffer();
    ms.push(performance.now() - started);
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  }
  return { ms, statuses };
}

const post = (url: string, query: string) => () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });

async function measure(threads: string | undefined) {
  const server = await startChildServer(catalogue.file, seconds * 4 + 600, undefined, threads === undefined ? {} : { EXECUTION_THREADS: threads });
  try {
    const heavy: string[] = [];
    for (const shape of Object.values(EXPENSIVE_SHAPES)) {
      const n = await largestAdmitted(sendTo(server.url), shape);
      if (n > 0) heavy.push(shape(n));
    }
    const { data } = (await sendTo(server.url)(SETUP_QUERY)) as { data: { organizations: { nodes: { slug: string }[] }; digest: { startDate: string } } };
    // The month before the latest listing day's: all its papers in a feed, and ranked by trending.
    const month = monthStart(data.digest.startDate, -1);
    const routes = [`/feeds/monthly.atom?date=${month}`, `/api/daily_papers?month=${month.slice(0, 7)}&sort=trending&limit=100`].map((path) => new URL(path, server.url).href);
    await post(server.url, lookup)(); // warm
    const until = performance.now() + seconds * 1000;
    const health = new URL('/health', server.url).href;
    const [lookups, checks, ...attackers] = await Promise.all([
      loop(until, post(server.url, lookup)),
      loop(until, () => fetch(health)),
      ...heavy.map((query) => loop(until, post(server.url, query))),
      ...routes.map((url) => loop(until, () => fetch(url))),
    ]);
    // The usual scenarios, one client alone, as Apollo Client 4 sends them.
    const usual = scenarios({ organizationSlug: data.organizations.nodes[0]!.slug, latestDay: data.digest.startDate, paperId: catalogue.paperId });
    const alone: Record<string, number[]> = {};
    for (const scenario of usual) {
      const send = () => fetch(server.url, { method: 'POST', headers: requestHeaders(), body: requestBody(scenario) });
      await loop(performance.now() + 500, send); // warm
      alone[scenario.name] = (await loop(performance.now() + ALONE_SECONDS * 1000, send)).ms;
    }
    return { lookups, checks, attackers, heavy: heavy.length, alone };
  } finally {
    await server.stop();
  }
}

const format = (ms: number[]) => `${percentile(ms, 50).toFixed(1)} / ${percentile(ms, 99).toFixed(1)}`;
const statuses = (all: Map<number, number>[]) => {
  const merged = new Map<number, number>();
  for (const map of all) for (const [status, n] of map) merged.set(status, (merged.get(status) ?? 0) + n);
  return [...merged].map(([status, n]) => `${n}×${status}`).join(', ');
};

process.stdout.write(`${machineLine()}\n${catalogue.facts.join('\n')}\nEach setting measured for ${seconds} s.\n\n`);
process.stdout.write('| setting | lookups | lookup p50 / p99 ms | /health p50 / p99 ms | expensive requests answered | expensive p50 / p99 ms |\n|---|--:|--:|--:|--|--:|\n');
const alone: Record<string, Record<string, number[]>> = {};
for (const [label, threads] of [['execution threads (default)', undefined], ['EXECUTION_THREADS=0', '0']] as const) {
  process.stderr.write(`contention: ${label}\n`);
  const measured = await measure(threads);
  const { lookups, checks, attackers } = measured;
  alone[label] = measured.alone;
  const expensive = attackers.flatMap((a) => a.ms);
  process.stdout.write(
    `| ${label} | ${lookups.ms.length} | ${format(lookups.ms)} | ${format(checks.ms)} | ${statuses(attackers.map((a) => a.statuses))} | ${format(expensive)} |\n`,
  );
}
const [threaded, inline] = Object.values(alone) as [Record<string, number[]>, Record<string, number[]>];
process.stdout.write(`\nOne client alone, back to back, ${ALONE_SECONDS} s each: requests and p50 / p99 ms\n\n| scenario | with threads | EXECUTION_THREADS=0 |\n|---|--:|--:|\n`);
for (const name of Object.keys(threaded)) {
  process.stdout.write(`| \`${name}\` | ${threaded[name]!.length}: ${format(threaded[name]!)} | ${inline[name]!.length}: ${format(inline[name]!)} |\n`);
}
