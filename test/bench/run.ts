// npm run bench: requests per second, latency and SQL statements per request
// of a few typical queries, against the real server on 127.0.0.1, and the
// same figures for a raw baseline (raw.ts: hand-written SQL on better-sqlite3
// behind node:http, no GraphQL) that gives byte for byte the same answers:
// the yardstick of what the GraphQL layer costs. It ends with a floor (a bare
// createYoga answering { hello }) and the gain from one worker process to two.
//
// The catalogue is built into a temporary folder, removed at the end: from the
// bundled seeds, or with --scale from a catalogue of that many papers
// generated as daily-papers files (generate.ts) and imported with the
// project's importer; the report then also gives generation and import times:
//
//   npm run bench                      the seeds (4,216 papers): about 2 minutes on 2 cores
//   npm run bench -- --scale 100000    100,000 generated papers: about 5 to 6 minutes
//                                      (generating 15–35 s, importing 2–3.5 min, 750 MiB in /tmp)
//   npm run bench -- --catalogue <file>   a catalogue built before (e.g. kept from a --scale run), used as it is
//
// Both servers run in child processes (server.ts, raw-server.ts) so that
// autocannon, here, shares no event loop with them; both are up for the whole
// run, and each scenario is measured on them alternately (GraphQL, raw,
// GraphQL, raw …) so that both see the same machine. Before anything is
// measured, every scenario's raw answer must equal the GraphQL one byte for
// byte. Statement counts and the time of a request alone are measured in this
// process, through createApp(database).fetch and openRawApi on the same file,
// before the servers start. The response cache and the rate limit are off
// (settings.ts): what is measured is the work of each query. A third server,
// with the response cache on as deployed, is measured in the same rounds on
// the same repeated request: what repeated anonymous reads get.
//
//   BENCH_SECONDS          measuring time of one run (one server, one round), default 2.5
//   BENCH_ROUNDS           runs of each server per scenario, alternating, default 2
//   BENCH_WARMUP_SECONDS   warm-up per scenario and server before measuring, default 1 (0: none)
//
// Results go to stdout (Markdown, to paste into the README); progress goes to stderr.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type autocannon from 'autocannon';
import os from 'node:os';
import path from 'node:path';
import { openCatalogue, type Database } from '../../src/catalogue/index.ts';
import { loadConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/yoga.ts';
import { existingCatalogue, seedCatalogue, syntheticCatalogue, type BenchCatalogue } from './catalogue.ts';
import { HELLO_SERVER, RAW_SERVER, startChildServer, type ChildServer } from './child.ts';
import { CONNECTIONS, REQUEST_TIMEOUT, load, type RunLength } from './load.ts';
import { openRawApi, type RawApi } from './raw.ts';
import { loadLine, machineLine, table, type Measured, type Row } from './report.ts';
import { BENCH_ENV } from './settings.ts';
import { measureWorkers } from './workers.ts';
import { CLIENTS, SETUP_QUERY, checkResponse, clientRequest, requestBody, requestHeaders, scenarios, type CatalogueFacts, type ClientName, type Scenario } from './scenarios.ts';

const MAX_SCALE = 2_000_000;

type Source = { scale: number } | { file: string } | null;

/** `--scale <papers>` (or `--scale=<papers>`), `--catalogue <file>`, or nothing (the seeds). */
function sourceArgument(args: string[]): Source {
  if (args.length === 0) return null;
  const [first = '', second] = args;
  const [flag, raw] = args.length === 1 && first.includes('=') ? [first.slice(0, first.indexOf('=')), first.slice(first.indexOf('=') + 1)] : [first, second];
  if (args.length > 2 || raw === undefined || (flag !== '--scale' && flag !== '--catalogue')) {
    throw new Error(`unexpected arguments "${args.join(' ')}": give --scale <papers>, --catalogue <file>, or nothing`);
  }
  if (flag === '--catalogue') {
    if (!existsSync(raw)) throw new Error(`--catalogue: no file "${raw}"`);
    return { file: path.resolve(raw) };
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1_000 || value > MAX_SCALE) {
    throw new Error(`--scale must be a whole number of papers from 1000 to ${MAX_SCALE}; got "${raw}"`);
  }
  return { scale: value };
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
async function overHttp(url: string, scenario: Scenario, client?: ClientName): Promise<string> {
  const signal = AbortSignal.timeout(REQUEST_TIMEOUT * 1_000 * 2);
  const { method, search, headers, body } = clientRequest(scenario, client);
  const response = await fetch(url + search, { method, headers, body, signal });
  return checkResponse(scenario, response, `over HTTP, as ${client ?? CLIENTS[0]} sends it`);
}

/** Requests one after another for the Alone figure: for a second, at least 3 and at most 50, after up to 20 (or a second) not timed. */
const ALONE = { seconds: 1, min: 3, max: 50, warmup: 20 };

/** The median time of requests one after another, in this process: what a request costs without a queue. */
async function aloneMs(request: () => Promise<unknown>): Promise<number> {
  // The first requests compile the query and warm V8 up: not what a request costs.
  const warming = performance.now();
  for (let i = 0; i < ALONE.warmup && performance.now() - warming < ALONE.seconds * 1_000; i++) await request();
  const times: number[] = [];
  const started = performance.now();
  while (times.length < ALONE.max && (times.length < ALONE.min || performance.now() - started < ALONE.seconds * 1_000)) {
    const before = performance.now();
    await request();
    times.push(performance.now() - before);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

/** The raw baseline's answer in this process: what the raw server will send. */
function rawInProcess(raw: RawApi, scenario: Scenario): { body: string; statements: number } {
  const answer = raw.answer(scenario.raw ?? '', scenario.variables);
  if (!answer) throw new Error(`${scenario.name}: the raw baseline has no endpoint "${scenario.raw}"`);
  return answer;
}

/** Where two texts first differ, with some context of each, for the error message. */
function firstDifference(graphql: string, raw: string): string {
  let i = 0;
  while (i < graphql.length && graphql[i] === raw[i]) i++;
  const around = (text: string) => JSON.stringify(text.slice(Math.max(0, i - 60), i + 100));
  return `first difference at character ${i} of ${graphql.length} (raw: ${raw.length})\n  GraphQL: ${around(graphql)}\n  raw:     ${around(raw)}`;
}

/** A raw request over HTTP, checked against the GraphQL answer. */
async function rawOverHttp(url: string, scenario: Scenario, expected: string): Promise<void> {
  const signal = AbortSignal.timeout(REQUEST_TIMEOUT * 1_000 * 2);
  const response = await fetch(url, { method: 'POST', headers: requestHeaders(), body: requestBody(scenario), signal });
  const text = await response.text();
  if (response.status !== 200 || text !== expected) {
    throw new Error(`${scenario.name}: the raw server's answer (${response.status}) differs from GraphQL's: ${firstDifference(expected, text)}`);
  }
}

/**
 * A fixed window, unless a request would wait for over a tenth of it in the
 * queue of CONNECTIONS requests: the requests still queued at the end of the
 * window would then be a large part of the work, done but not counted. Such a
 * scenario is measured by a number of requests instead, to the last response.
 */
function runLength(aloneMs: number, measureSeconds: number): RunLength {
  if ((aloneMs * CONNECTIONS) / 1_000 <= measureSeconds / 10) return { seconds: measureSeconds };
  return { requests: requestsFor(aloneMs, measureSeconds) };
}

const requestsFor = (aloneMs: number, measureSeconds: number) => Math.max(3 * CONNECTIONS, Math.ceil((measureSeconds * 1_000) / aloneMs));

/** One server's rounds of one scenario, summed up. */
function measured(results: autocannon.Result[], alone: number, statements: number): Measured {
  const responses = results.reduce((sum, r) => sum + r.requests.total, 0);
  return {
    // Not requests.average: that averages whole-second samples, wrong for runs under a second.
    requestsPerSecond: responses / results.reduce((sum, r) => sum + r.duration, 0),
    responses,
    p50: results.reduce((sum, r) => sum + r.latency.p50, 0) / results.length,
    p99: Math.max(...results.map((r) => r.latency.p99)),
    alone,
    statements,
    errors: results.reduce((sum, r) => sum + r.non2xx + r.errors + r.mismatches, 0),
  };
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

/** The target of the issue "Performance: close the gap to raw SQLite". */
const P99_TARGET_MS = 50;

async function main(): Promise<number> {
  const source = sourceArgument(process.argv.slice(2));
  const measureSeconds = seconds('BENCH_SECONDS', 2.5);
  const warmupSeconds = seconds('BENCH_WARMUP_SECONDS', 1, true);
  const rounds = Number(process.env.BENCH_ROUNDS || 2);
  if (!(Number.isSafeInteger(rounds) && rounds >= 1 && rounds <= 20)) throw new Error(`BENCH_ROUNDS must be a whole number from 1 to 20; got "${process.env.BENCH_ROUNDS}"`);
  process.stdout.write(`Date: ${new Date().toISOString()}\n${machineLine()}\n${loadLine()}\n`);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'paper-catalogue-bench-'));
  let database: Database | undefined;
  let raw: RawApi | undefined;
  const servers: ChildServer[] = [];
  let failed: string[] = [];
  // Ctrl-C: exit through the 'exit' handlers, which kill the children and remove the files.
  const interrupted = () => process.exit(130);
  const removeFiles = () => rmSync(dir, { recursive: true, force: true });
  process.once('SIGINT', interrupted);
  process.once('exit', removeFiles);
  try {
    const catalogue: BenchCatalogue =
      source === null ? seedCatalogue(dir) : 'scale' in source ? syntheticCatalogue(dir, source.scale) : existingCatalogue(source.file);
    database = openCatalogue(catalogue.file);
    const app = createApp(database, { config: loadConfig({ ...BENCH_ENV, LOG_LEVEL: 'silent' }) });
    raw = openRawApi(catalogue.file);
    const list = scenarios(await catalogueFacts(app, database, catalogue.paperId));

    interface Checked {
      body: string;
      /** The raw baseline's: GraphQL's without its extensions (the cost, which the baseline does not compute). */
      rawBody: string;
      statements: number;
      rawStatements: number;
      matches: number | null;
      alone: number;
      rawAlone: number;
      length: RunLength;
      rawLength: RunLength;
    }
    const checked = new Map<Scenario, Checked>();
    const differing: string[] = [];
    for (const scenario of list) {
      const { body, statements } = await inProcess(app, database, scenario);
      const baseline = rawInProcess(raw, scenario);
      const { extensions: _cost, ...answer } = JSON.parse(body) as Record<string, unknown>;
      if (baseline.body !== JSON.stringify(answer)) {
        differing.push(`${scenario.name}: ${firstDifference(JSON.stringify(answer), baseline.body)}`);
        continue;
      }
      const matches = scenario.matches?.((JSON.parse(body) as { data: Record<string, unknown> }).data) ?? null;
      progress(`${scenario.name}: the raw answer equals GraphQL's (${body.length} characters); timing both alone`);
      const alone = await aloneMs(() => inProcess(app, database!, scenario));
      const rawAlone = await aloneMs(async () => rawInProcess(raw!, scenario));
      const length = runLength(alone, measureSeconds);
      // A counted run of the baseline lasts about as long as GraphQL's.
      const rawLength: RunLength = 'seconds' in length ? length : { requests: requestsFor(rawAlone, measureSeconds) };
      checked.set(scenario, { body, rawBody: baseline.body, statements, rawStatements: baseline.statements, matches, alone, rawAlone, length, rawLength });
    }
    if (differing.length > 0) {
      throw new Error(`the raw baseline's answers differ from the GraphQL server's in ${differing.length} scenario(s):\n${differing.join('\n')}`);
    }
    // The servers open the file themselves; nothing here touches it while they are measured.
    database.close();
    database = undefined;
    raw.close();
    raw = undefined;

    // Each scenario and server: warm-up + rounds of measuring (a number of
    // requests: three times as long as in process, or more) + draining the queue.
    const lifetime =
      60 +
      [...checked.values()].reduce((sum, { alone, length }) => {
        const measuring = 'seconds' in length ? length.seconds : (3 * length.requests * alone) / 1_000;
        return sum + 3 * (warmupSeconds + rounds * Math.max(measureSeconds, measuring)) + 4 * REQUEST_TIMEOUT;
      }, 0);
    const startedAt = performance.now();
    const [graphql, baseline, cachedServer] = await Promise.all([
      startChildServer(catalogue.file, lifetime),
      startChildServer(catalogue.file, lifetime, RAW_SERVER),
      startChildServer(catalogue.file, lifetime, undefined, { BENCH_RESPONSE_CACHE: 'on' }),
    ]);
    servers.push(graphql, baseline, cachedServer);
    const startSeconds = (performance.now() - startedAt) / 1000;
    const memoryAtStart = [graphql, baseline].map((server) => server.memory());
    progress(
      `GraphQL server (pid ${graphql.pid}) at ${graphql.url}, raw baseline (pid ${baseline.pid}) at ${baseline.url}, ` +
        `GraphQL with the response cache (pid ${cachedServer.pid}) at ${cachedServer.url}, started in ${startSeconds.toFixed(1)} s`,
    );

    const rows: Row[] = [];
    for (const scenario of list) {
      const { body, rawBody, statements, rawStatements, matches, alone, rawAlone, length, rawLength } = checked.get(scenario)!;
      const rawUrl = `${baseline.url}/${scenario.raw}`;
      const served = async () => {
        for (const server of [graphql, cachedServer]) {
          const text = await overHttp(server.url, scenario);
          if (text !== body) throw new Error(`${scenario.name}: the server's response differs from the in-process one:\n${text}\n---\n${body}`);
        }
        await rawOverHttp(rawUrl, scenario, rawBody);
      };
      await served();
      if (warmupSeconds > 0) {
        progress(`${scenario.name}: warming up for ${warmupSeconds} s each`);
        await load(graphql.url, scenario, { seconds: warmupSeconds }, body);
        await load(rawUrl, scenario, { seconds: warmupSeconds }, rawBody);
        await load(cachedServer.url, scenario, { seconds: warmupSeconds }, body);
        await served();
      }
      const describe = (l: RunLength) => ('seconds' in l ? `${l.seconds} s` : `${l.requests} requests`);
      progress(`${scenario.name}: measuring ${rounds} rounds of GraphQL (${describe(length)}), raw (${describe(rawLength)}) and cached GraphQL (${measureSeconds} s)`);
      const results = { graphql: [] as autocannon.Result[], raw: [] as autocannon.Result[], cached: [] as autocannon.Result[] };
      for (let round = 0; round < rounds; round++) {
        results.graphql.push(await load(graphql.url, scenario, length, body));
        await served();
        results.raw.push(await load(rawUrl, scenario, rawLength, rawBody));
        await served();
        // Repeats of one request: after the first, answered from memory. Always a fixed window: a
        // count of requests that fast would be over before autocannon's own start-up is.
        results.cached.push(await load(cachedServer.url, scenario, { seconds: measureSeconds }, body));
        await served();
      }
      rows.push({
        scenario: scenario.name,
        graphql: measured(results.graphql, alone, statements),
        raw: measured(results.raw, rawAlone, rawStatements),
        cached: measured(results.cached, Number.NaN, 0),
        counted: !('seconds' in length),
        matches,
      });
    }

    const memoryAtEnd = [graphql, baseline].map((server) => server.memory());
    const mib = (n: number) => `${Math.round(n)} MiB`;
    const footprint = (name: string, server: ChildServer, i: number) => {
      const [start, end] = [memoryAtStart[i], memoryAtEnd[i]];
      const memory = start && end ? `; resident memory ${mib(start.rssMiB)} once up, ${mib(end.rssMiB)} after the scenarios (peak ${mib(end.peakMiB)})` : '';
      return `${name}: up in ${server.startSeconds.toFixed(1)} s${memory}`;
    };
    const slow = rows.filter((r) => !(r.graphql.responses > 0 && r.graphql.p99 < P99_TARGET_MS)).map((r) => `\`${r.scenario}\``);
    const out = [
      ...catalogue.facts,
      `Servers: src/server.ts and the raw baseline (test/bench/raw-server.ts) in child processes on 127.0.0.1, all up in ${startSeconds.toFixed(1)} s (starting Node and tsx included). ` +
        `${footprint('GraphQL', graphql, 0)}. ${footprint('Raw', baseline, 1)}.`,
      `Load: autocannon, ${CONNECTIONS} connections; per scenario ${warmupSeconds} s warm-up of each server, then ${rounds} rounds of ` +
        `${measureSeconds} s on GraphQL and ${measureSeconds} s on the raw baseline, alternately; every response compared with the checked one.`,
      '',
      table(rows),
      '',
      'Raw: the same answers (byte for byte, checked before measuring) from hand-written SQL on better-sqlite3, each statement prepared once, ' +
        'and JSON.stringify behind node:http: no GraphQL, no drizzle, no DataLoader. GraphQL / raw: the ratio of requests per second.',
      `p50: the mean of the rounds' medians; p99: the worst round's. Target: GraphQL p99 < ${P99_TARGET_MS} ms at ${CONNECTIONS} connections — ` +
        (slow.length === 0 ? 'met in every scenario.' : `missed by ${slow.join(', ')}.`),
      `Alone: the median of ${ALONE.min} to ${ALONE.max} requests one after another (${ALONE.seconds} s, after ${ALONE.warmup} not timed), in process: the same code and file, no HTTP, no queue. ` +
        'SQL statements counted in process, for one request.',
      'Cached: the GraphQL server as deployed, with the response cache on (src/http/caching.ts answers a repeated read from memory ' +
        `until the data changes), the same request repeated for ${measureSeconds} s per round; Cached / raw: the ratio of requests per second.`,
      'Errors (GraphQL / raw / cached): non-2xx responses, connection errors, timeouts and responses that differed from the checked one.',
      ...(rows.some((r) => r.counted)
        ? [
            `*: requests that would queue for over ${measureSeconds / 10} s, measured by a number of requests instead ` +
              `(${measureSeconds} s of work alone, ${3 * CONNECTIONS} at least), to the last response, so that the work still queued at the end of a window is not lost.`,
          ]
        : []),
      'Found: the search\'s totalCount. Every search asks for totalCount and the first 20 edges with score, titleHighlight, abstractSnippet and the paper with its authors and organization.',
    ];
    process.stdout.write(`${out.join('\n')}\n`);

    // The lookup, trending and the first search as each client sends them: no client may be on a slower path.
    const byClient = list.filter((s) => s.raw === 'paper' || s.raw === 'trending').concat(list.find((s) => s.raw === 'search') ?? []);
    const clientLines: string[] = [];
    for (const scenario of byClient) {
      const { body } = checked.get(scenario)!;
      const rawPerSecond = rows.find((r) => r.scenario === scenario.name)!.raw.requestsPerSecond;
      const figures: string[] = [];
      for (const client of CLIENTS) {
        progress(`${scenario.name}: as ${client} sends it`);
        const text = await overHttp(graphql.url, scenario, client);
        if (text !== body) throw new Error(`${scenario.name}, as ${client} sends it: the response differs from the checked one:\n${text}\n---\n${body}`);
        const runs = [];
        for (let round = 0; round < rounds; round++) runs.push(await load(graphql.url, scenario, { seconds: measureSeconds }, body, client));
        const m = measured(runs, Number.NaN, 0);
        if (m.errors > 0) failed.push(`${scenario.name} as ${client} sends it`);
        figures.push(`${client} ${Math.round(m.requestsPerSecond)} req/s (${(m.requestsPerSecond / rawPerSecond).toFixed(2)}×)`);
      }
      clientLines.push(`- \`${scenario.name}\`: ${figures.join(', ')}`);
    }
    process.stdout.write(
      `\nAs each client sends it (uncached, ${rounds} × ${measureSeconds} s; × the raw baseline above; urql: GET, Relay: { query, variables }):\n${clientLines.join('\n')}\n`,
    );

    // One worker process and two (WORKERS=2), on the cheap scenarios, where the server and not SQLite is the limit.
    await Promise.all(servers.splice(0).map((s) => s.stop()));

    // What any request costs at the least: through a bare Yoga with a one-field
    // schema, and through this server's own pipeline with no field to resolve.
    const floorOf = async (label: string, scenario: Scenario, server: ChildServer) => {
      progress(`floor: ${label}`);
      servers.push(server);
      const body = await overHttp(server.url, scenario);
      await load(server.url, scenario, { seconds: warmupSeconds || 1 }, body);
      const runs = [];
      for (let round = 0; round < rounds; round++) runs.push(await load(server.url, scenario, { seconds: measureSeconds }, body));
      await Promise.all(servers.splice(0).map((s) => s.stop()));
      return measured(runs, Number.NaN, 0);
    };
    const floors = [
      {
        label: 'a bare createYoga answering { hello } (test/bench/hello-server.ts)',
        measured: await floorOf(
          'a bare createYoga answering { hello }',
          { name: '{ hello }', query: '{ hello }', missing: (data) => (data.hello === 'world' ? null : 'no hello') },
          await startChildServer(catalogue.file, 60, HELLO_SERVER),
        ),
      },
      {
        label: 'src/server.ts (as GraphQL above) answering { __typename }: the whole pipeline, admission included, no field resolved',
        measured: await floorOf(
          'src/server.ts answering { __typename }',
          { name: '{ __typename }', query: '{ __typename }', missing: (data) => (data.__typename === 'Query' ? null : 'no __typename') },
          await startChildServer(catalogue.file, 60),
        ),
      },
    ];
    process.stdout.write(
      `\nFloors, ${rounds} ${rounds === 1 ? 'round' : 'rounds'} of ${measureSeconds} s each:\n` +
        floors
          .map(
            ({ label, measured: m }) =>
              `- ${label}: ${Math.round(m.requestsPerSecond)} req/s, p50 / p99 ${m.p50} / ${m.p99} ms${m.errors > 0 ? `, ${m.errors} errors` : ''}`,
          )
          .join('\n') +
        '\n',
    );
    const cheap = list.filter((s) => s.raw === 'trending' || s.raw === 'paper').map((scenario) => ({ scenario, body: checked.get(scenario)!.body }));
    if (cheap.length > 0) {
      progress('workers: measuring 1 and 2 worker processes (npm start with WORKERS)');
      const workerRows = await measureWorkers(catalogue.file, cheap, { seconds: measureSeconds });
      process.stdout.write(
        `\nWORKERS (node:cluster, ${CONNECTIONS} connections, ${measureSeconds} s each; the load generator shares the 2 cores):\n` +
          workerRows.map((r) => `- ${r.scenario}: 1 worker ${Math.round(r.one)} req/s, 2 workers ${Math.round(r.two)} req/s (×${(r.two / r.one).toFixed(2)})`).join('\n') +
          '\n',
      );
    }
    failed.push(...rows.filter((r) => r.graphql.errors > 0 || r.raw.errors > 0 || r.cached.errors > 0).map((r) => r.scenario));
    for (const floor of floors) if (floor.measured.errors > 0) failed.push(floor.label);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    database?.close();
    raw?.close();
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
