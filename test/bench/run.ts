// npm run bench: requests per second, latency and SQL statements per request
// of a few typical queries, against the real server on 127.0.0.1.
//
// The catalogue is built into a temporary folder, removed at the end: from the
// bundled seeds, or with --scale from a catalogue of that many papers
// generated as daily-papers files (generate.ts) and imported with the
// project's importer; the report then also gives generation and import times:
//
//   npm run bench                      the seeds (4,216 papers): about 1 minute on 2 cores
//   npm run bench -- --scale 100000    100,000 generated papers: about 4 to 5 minutes
//                                      (generating 15–35 s, importing 2–3.5 min, 750 MiB in /tmp)
//
// The server runs in a child process (server.ts) so that autocannon, here, does
// not share its event loop. Statement counts and the time of a request alone
// are measured in this process, through createApp(database).fetch on the same
// file, before the server starts. The response cache and the rate limit are
// off in both (settings.ts): what is measured is the work of each query.
//
//   BENCH_SECONDS          measuring time per scenario, default 5
//   BENCH_WARMUP_SECONDS   warm-up per scenario before measuring, default 1 (0: none)
//
// Results go to stdout (Markdown, to paste into the README); progress goes to stderr.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCatalogue, type Database } from '../../src/catalogue/index.ts';
import { loadConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/yoga.ts';
import { seedCatalogue, syntheticCatalogue, type BenchCatalogue } from './catalogue.ts';
import { startChildServer, type ChildServer } from './child.ts';
import { CONNECTIONS, REQUEST_TIMEOUT, load, type RunLength } from './load.ts';
import { loadLine, machineLine, table, type Row } from './report.ts';
import { BENCH_ENV } from './settings.ts';
import { SETUP_QUERY, checkResponse, requestBody, requestHeaders, scenarios, type CatalogueFacts, type Scenario } from './scenarios.ts';

const MAX_SCALE = 2_000_000;

/** The number of papers of `--scale <papers>` (or `--scale=<papers>`), null without it. */
function scaleArgument(args: string[]): number | null {
  if (args.length === 0) return null;
  const [first = '', second] = args;
  let raw: string | undefined;
  if (args.length === 1 && first.startsWith('--scale=')) raw = first.slice('--scale='.length);
  else if (args.length === 2 && first === '--scale') raw = second;
  else throw new Error(`unexpected arguments "${args.join(' ')}": the only one is --scale <papers>`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1_000 || value > MAX_SCALE) {
    throw new Error(`--scale must be a whole number of papers from 1000 to ${MAX_SCALE}; got "${raw}"`);
  }
  return value;
}

function seconds(name: string, fallback: number, allowZero = false): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(Number.isFinite(value) && value <= 600 && (value >= 0.1 || (allowZero && value === 0)))) {
    throw new Error(`${name} must be a number of seconds from 0.1 to 600${allowZero ? ', or 0' : ''}; got "${raw}"`);
  }
  return value;
}

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

/** One request in this process; returns the checked body and the statements it ran. */
async function inProcess(app: App, database: Database, scenario: Scenario): Promise<{ body: string; statements: number }> {
  const before = database.statements.count;
  const response = await app.fetch('http://bench.local/graphql', { method: 'POST', headers: requestHeaders(), body: requestBody(scenario) });
  const statements = database.statements.count - before;
  return { body: await checkResponse(scenario, response, 'in process'), statements };
}

/**
 * One request over HTTP. After a load run it also waits for the server to
 * finish the requests still queued, so that they do not count against the
 * next run.
 */
async function overHttp(url: string, scenario: Scenario): Promise<string> {
  const signal = AbortSignal.timeout(REQUEST_TIMEOUT * 1_000 * 2);
  const response = await fetch(url, { method: 'POST', headers: requestHeaders(), body: requestBody(scenario), signal });
  return checkResponse(scenario, response, 'over HTTP');
}

/** Requests one after another for the Alone figure: for a second, at least 3 and at most 50. */
const ALONE = { seconds: 1, min: 3, max: 50 };

/** The median time of requests one after another, in this process: what a request costs without a queue. */
async function aloneMs(app: App, database: Database, scenario: Scenario): Promise<number> {
  const times: number[] = [];
  const started = performance.now();
  while (times.length < ALONE.max && (times.length < ALONE.min || performance.now() - started < ALONE.seconds * 1_000)) {
    const before = performance.now();
    await inProcess(app, database, scenario);
    times.push(performance.now() - before);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

/**
 * A fixed window, unless a request would wait for over a tenth of it in the
 * queue of CONNECTIONS requests: the requests still queued at the end of the
 * window would then be a large part of the work, done but not counted. Such a
 * scenario is measured by a number of requests instead, to the last response.
 */
function runLength(aloneMs: number, measureSeconds: number): RunLength {
  if ((aloneMs * CONNECTIONS) / 1_000 <= measureSeconds / 10) return { seconds: measureSeconds };
  return { requests: Math.max(3 * CONNECTIONS, Math.ceil((measureSeconds * 1_000) / aloneMs)) };
}

/** Asks the catalogue what the scenarios need: the busiest organization and the latest listing day. */
async function catalogueFacts(app: App, database: Database, paperId: string): Promise<CatalogueFacts> {
  const { body } = await inProcess(app, database, {
    name: 'setup',
    query: SETUP_QUERY,
    missing: (data) => (data.organizations?.nodes?.[0]?.slug && data.digest?.startDate ? null : 'no organization or no listing day'),
  });
  const { data } = JSON.parse(body) as { data: { organizations: { nodes: { slug: string }[] }; digest: { startDate: string } } };
  return { organizationSlug: data.organizations.nodes[0]!.slug, latestDay: data.digest.startDate, paperId };
}

async function main(): Promise<number> {
  const scale = scaleArgument(process.argv.slice(2));
  const measureSeconds = seconds('BENCH_SECONDS', 5);
  const warmupSeconds = seconds('BENCH_WARMUP_SECONDS', 1, true);
  process.stdout.write(`Date: ${new Date().toISOString()}\n${machineLine()}\n${loadLine()}\n`);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'paper-catalogue-bench-'));
  let database: Database | undefined;
  let server: ChildServer | undefined;
  let failed: string[] = [];
  // Ctrl-C: exit through the 'exit' handlers, which kill the child and remove the files.
  const interrupted = () => process.exit(130);
  const removeFiles = () => rmSync(dir, { recursive: true, force: true });
  process.once('SIGINT', interrupted);
  process.once('exit', removeFiles);
  try {
    const catalogue: BenchCatalogue = scale === null ? seedCatalogue(dir) : syntheticCatalogue(dir, scale);
    database = openCatalogue(catalogue.file);
    const app = createApp(database, { config: loadConfig({ ...BENCH_ENV, LOG_LEVEL: 'silent' }) });
    const list = scenarios(await catalogueFacts(app, database, catalogue.paperId));

    const checked = new Map<Scenario, { body: string; statements: number; matches: number | null; alone: number; length: RunLength }>();
    for (const scenario of list) {
      const { body, statements } = await inProcess(app, database, scenario);
      const matches = scenario.matches?.((JSON.parse(body) as { data: Record<string, unknown> }).data) ?? null;
      const alone = await aloneMs(app, database, scenario);
      checked.set(scenario, { body, statements, matches, alone, length: runLength(alone, measureSeconds) });
    }
    // The server opens the file itself; nothing here touches it while it is measured.
    database.close();
    database = undefined;

    // Each scenario: warm-up + measuring (a number of requests: three times
    // as long as in process, or more) + draining the queue, at most a timeout each.
    const lifetime =
      60 +
      [...checked.values()].reduce((sum, { alone, length }) => {
        const measuring = 'seconds' in length ? length.seconds : (3 * length.requests * alone) / 1_000;
        return sum + warmupSeconds + Math.max(measureSeconds, measuring) + 4 * REQUEST_TIMEOUT;
      }, 0);
    const startedAt = performance.now();
    server = await startChildServer(catalogue.file, lifetime);
    const startSeconds = (performance.now() - startedAt) / 1000;
    progress(`server (pid ${server.pid}) at ${server.url}, started in ${startSeconds.toFixed(1)} s`);

    const rows: Row[] = [];
    for (const scenario of list) {
      const { body, statements, matches, alone, length } = checked.get(scenario)!;
      const served = async () => {
        const text = await overHttp(server!.url, scenario);
        if (text !== body) throw new Error(`${scenario.name}: the server's response differs from the in-process one:\n${text}\n---\n${body}`);
      };
      await served();
      if (warmupSeconds > 0) {
        progress(`${scenario.name}: warming up for ${warmupSeconds} s`);
        await load(server.url, scenario, { seconds: warmupSeconds }, body);
        await served();
      }
      progress(`${scenario.name}: measuring ${'seconds' in length ? `for ${length.seconds} s` : `${length.requests} requests`}`);
      const result = await load(server.url, scenario, length, body);
      await served();
      rows.push({
        scenario: scenario.name,
        // Not requests.average: that averages whole-second samples, wrong for runs under a second.
        requestsPerSecond: result.requests.total / result.duration,
        responses: result.requests.total,
        counted: 'seconds' in length ? null : length.requests,
        alone,
        p50: result.latency.p50,
        p99: result.latency.p99,
        statements,
        matches,
        non2xx: result.non2xx,
        errors: result.errors + result.mismatches,
      });
    }

    const out = [
      ...catalogue.facts,
      `Server: src/server.ts in a child process on 127.0.0.1, up in ${startSeconds.toFixed(1)} s (starting Node and tsx included).`,
      `Load: autocannon, ${CONNECTIONS} connections, ${warmupSeconds} s warm-up then ${measureSeconds} s per scenario; every response compared with the checked one.`,
      '',
      table(rows),
      '',
      `Alone: the median of ${ALONE.min} to ${ALONE.max} requests one after another (${ALONE.seconds} s), in process: the same code and file, no HTTP, no queue. ` +
        'SQL statements counted in process, for one request.',
      'Errors: connection errors, timeouts and responses that differed from the checked one.',
      ...(rows.some((r) => r.counted !== null)
        ? [
            `*: requests that would queue for over ${measureSeconds / 10} s, measured by a number of requests instead ` +
              `(${measureSeconds} s of work alone, ${3 * CONNECTIONS} at least), to the last response, so that the work still queued at the end of a window is not lost.`,
          ]
        : []),
      'Found: the search\'s totalCount. Every search asks for totalCount and the first 20 edges with score, titleHighlight, abstractSnippet and the paper with its authors and organization.',
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    failed = rows.filter((r) => r.non2xx > 0 || r.errors > 0).map((r) => r.scenario);
  } finally {
    await server?.stop();
    database?.close();
    removeFiles();
    process.removeListener('exit', removeFiles);
    process.removeListener('SIGINT', interrupted);
  }
  process.stdout.write(`${loadLine('end')}\nTotal time: ${process.uptime().toFixed(1)} s\n`);
  if (failed.length === 0) return 0;
  progress(`failed: non-2xx responses or errors in ${failed.join(', ')}`);
  return 1;
}

main().then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
