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
//   npm run bench                      the seeds (4,216 papers): about 2 minutes on 2 cores, SQLite alone
//   npm run bench -- --scale 100000    100,000 generated papers: about 5 to 6 minutes, SQLite alone
//                                      (generating 15–35 s, importing 2–3.5 min, 750 MiB in /tmp)
//   With PostgreSQL beside SQLite (the default where it is installed), the copy into it and its
//   server's rounds come on top: 7 minutes on the seeds and 9 at 20,000 papers while other work
//   shared the two cores (the copy: 27 s and 96 s of it).
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
// The GraphQL server is measured on each engine that BENCH_ENGINES names
// (engines.ts): SQLite, and PostgreSQL (a server of its own, started for the
// run and stopped at the end, with the catalogue copied into it) where its
// binaries are installed. Each engine's server gets the same requests in the
// same rounds, its ratio is to the same raw baseline, and its statements are
// counted in process as SQLite's are.
//
//   BENCH_ENGINES          sqlite,postgres (the default with PostgreSQL installed) or sqlite
//   BENCH_SECONDS          measuring time of one run (one server, one round), default 2.5
//   BENCH_ROUNDS           runs of each server per scenario, alternating, default 2
//   BENCH_WARMUP_SECONDS   warm-up per scenario and server before measuring, default 1 (0: none)
//
// Results go to stdout (Markdown, to paste into the README); progress goes to stderr.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type autocannon from 'autocannon';
import os from 'node:os';
import path from 'node:path';
import { existingCatalogue, seedCatalogue, syntheticCatalogue, type BenchCatalogue } from './catalogue.ts';
import { HELLO_SERVER, RAW_SERVER, startChildServer, type ChildServer } from './child.ts';
import { openEngines, selectedEngines, type Engine, type Engines } from './engines.ts';
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
async function inProcess(engine: Engine, scenario: Scenario): Promise<{ body: string; statements: number }> {
  const before = engine.statements();
  const response = await engine.app.fetch('http://bench.local/graphql', { method: 'POST', headers: requestHeaders(), body: requestBody(scenario) });
  const statements = engine.statements() - before;
  return { body: await checkResponse(scenario, response, `in process, on ${engine.label}`), statements };
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
function firstDifference(graphql: string, raw: string, names: [string, string] = ['GraphQL', 'raw']): string {
  let i = 0;
  while (i < graphql.length && graphql[i] === raw[i]) i++;
  const around = (text: string) => JSON.stringify(text.slice(Math.max(0, i - 60), i + 100));
  const [first, second] = names.map((name) => `${name}:`.padEnd(Math.max(...names.map((n) => n.length)) + 1));
  return `first difference at character ${i} of ${graphql.length} (${names[1]}: ${raw.length})\n  ${first} ${around(graphql)}\n  ${second} ${around(raw)}`;
}

/**
 * Where another engine's answer differs from SQLite's, or null: compared
 * without the request's cost, with scores to 12 digits (each engine's floating
 * point sums them), and a search by the number of papers it finds alone, as
 * its ranking, scores and highlights are the engine's own (ts_rank_cd and
 * ts_headline against bm25 and FTS5's highlight).
 */
function differenceFromSqlite(scenario: Scenario, sqlite: string, other: string): string | null {
  if (scenario.matches) {
    const [a, b] = [sqlite, other].map((body) => scenario.matches!((JSON.parse(body) as { data: Record<string, unknown> }).data));
    return a === b ? null : `${b} papers found, ${a} on SQLite`;
  }
  const comparable = (body: string) =>
    JSON.stringify(JSON.parse(body, (key, value: unknown) => {
      if (key === 'extensions') return undefined;
      return (key === 'score' || key === 'trendingScore') && typeof value === 'number' ? Number(value.toPrecision(12)) : value;
    }));
  const [a, b] = [comparable(sqlite), comparable(other)];
  return a === b ? null : firstDifference(a, b, ['SQLite', 'this engine']);
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
function measured(results: autocannon.Result[], length: RunLength, alone = Number.NaN, statements = 0): Measured {
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
    counted: !('seconds' in length),
  };
}

/** Asks the catalogue what the scenarios need: the busiest organization and the latest listing day. */
async function catalogueFacts(engine: Engine, paperId: string): Promise<CatalogueFacts> {
  const { body } = await inProcess(engine, {
    name: 'setup',
    query: SETUP_QUERY,
    missing: (data) => (data.organizations?.nodes?.[0]?.slug && data.digest?.startDate ? null : 'no organization or no listing day'),
  });
  const { data } = JSON.parse(body) as { data: { organizations: { nodes: { slug: string }[] }; digest: { startDate: string } } };
  return { organizationSlug: data.organizations.nodes[0]!.slug, latestDay: data.digest.startDate, paperId };
}

/** What one server answers a scenario, and how it is measured. */
interface Checked {
  body: string;
  statements: number;
  /** Milliseconds of one request alone, in process. */
  alone: number;
  length: RunLength;
}

/**
 * Each scenario's answer on every engine and from the raw baseline, checked
 * (the baseline's byte for byte against SQLite's, without the request's
 * cost, which the baseline does not compute; another engine's against
 * SQLite's), with its statements, its time alone and the length of its runs.
 */
async function checkScenarios(
  list: Scenario[],
  engines: Engine[],
  raw: RawApi,
  measureSeconds: number,
): Promise<Map<Scenario, { engines: Checked[]; raw: Checked; matches: number | null }>> {
  const checked = new Map<Scenario, { engines: Checked[]; raw: Checked; matches: number | null }>();
  const differing: string[] = [];
  for (const scenario of list) {
    const answers = [];
    for (const engine of engines) answers.push(await inProcess(engine, scenario));
    const sqlite = answers[0]!.body;
    const baseline = rawInProcess(raw, scenario);
    const { extensions: _cost, ...answer } = JSON.parse(sqlite) as Record<string, unknown>;
    const differences = [
      baseline.body === JSON.stringify(answer) ? null : `the raw baseline's: ${firstDifference(JSON.stringify(answer), baseline.body)}`,
      ...answers.slice(1).map(({ body }, i) => {
        const difference = differenceFromSqlite(scenario, sqlite, body);
        return difference && `${engines[i + 1]!.label}'s: ${difference}`;
      }),
    ].filter((d) => d !== null);
    if (differences.length > 0) {
      differing.push(`${scenario.name}: ${differences.join('\n')}`);
      continue;
    }
    const matches = scenario.matches?.((JSON.parse(sqlite) as { data: Record<string, unknown> }).data) ?? null;
    progress(`${scenario.name}: the answers agree (${sqlite.length} characters on SQLite); timing each alone`);
    const onEngines: Checked[] = [];
    for (const [i, engine] of engines.entries()) {
      const alone = await aloneMs(() => inProcess(engine, scenario));
      onEngines.push({ ...answers[i]!, alone, length: runLength(alone, measureSeconds) });
    }
    const rawAlone = await aloneMs(async () => rawInProcess(raw, scenario));
    // A counted run of the baseline lasts about as long as GraphQL's on SQLite.
    const { length } = onEngines[0]!;
    const rawLength: RunLength = 'seconds' in length ? length : { requests: requestsFor(rawAlone, measureSeconds) };
    checked.set(scenario, { engines: onEngines, raw: { ...baseline, alone: rawAlone, length: rawLength }, matches });
  }
  if (differing.length > 0) {
    throw new Error(`the answers differ from the GraphQL server's on SQLite in ${differing.length} scenario(s):\n${differing.join('\n')}`);
  }
  return checked;
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

  const { names, notes } = selectedEngines();
  for (const note of notes) progress(note);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'paper-catalogue-bench-'));
  let engines: Engines | undefined;
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
    engines = await openEngines(catalogue.file, names, catalogue.papers);
    const [sqlite] = engines.list;
    const labels = engines.list.map((e) => e.label);
    raw = openRawApi(catalogue.file);
    const list = scenarios(await catalogueFacts(sqlite, catalogue.paperId));
    const checked = await checkScenarios(list, engines.list, raw, measureSeconds);
    // The servers open the catalogue themselves; nothing here touches it while they are measured.
    await Promise.all(engines.list.map((e) => e.close()));
    raw.close();
    raw = undefined;

    // Each scenario and server: warm-up + rounds of measuring (a number of
    // requests: three times as long as in process, or more) + draining the queue.
    // Then the three clients' requests of three scenarios, on SQLite.
    const serverSeconds = ({ alone, length }: { alone: number; length: RunLength }) =>
      warmupSeconds + rounds * Math.max(measureSeconds, 'seconds' in length ? length.seconds : (3 * length.requests * alone) / 1_000) + REQUEST_TIMEOUT;
    const cachedRun = { alone: 0, length: { seconds: measureSeconds } };
    const lifetime =
      60 +
      [...checked.values()].flatMap(({ engines: onEngines, raw: onRaw }) => [...onEngines, onRaw, cachedRun]).reduce((sum, run) => sum + serverSeconds(run), 0) +
      CLIENTS.length * 3 * rounds * measureSeconds;
    const startedAt = performance.now();
    const [baseline, cachedServer, graphql] = await Promise.all([
      startChildServer(catalogue.file, lifetime, RAW_SERVER),
      startChildServer(catalogue.file, lifetime, undefined, { BENCH_RESPONSE_CACHE: 'on' }),
      Promise.all(engines.list.map((e) => startChildServer(e.target, lifetime))),
    ]);
    servers.push(baseline, cachedServer, ...graphql);
    const startSeconds = (performance.now() - startedAt) / 1000;
    const measuredServers = [...graphql.map((server, i) => ({ name: `GraphQL on ${labels[i]}`, server })), { name: 'Raw', server: baseline }];
    const memoryAtStart = measuredServers.map(({ server }) => server.memory());
    progress(
      `${measuredServers.map(({ name, server }) => `${name} (pid ${server.pid}) at ${server.url}`).join(', ')}, ` +
        `GraphQL with the response cache (pid ${cachedServer.pid}) at ${cachedServer.url}, started in ${startSeconds.toFixed(1)} s`,
    );

    const rows: Row[] = [];
    for (const scenario of list) {
      const { engines: onEngines, raw: onRaw, matches } = checked.get(scenario)!;
      const rawUrl = `${baseline.url}/${scenario.raw}`;
      // Every server with the answer it must give, in the order they are measured: the engines, the baseline and
      // the cached server (on SQLite), which is measured for a fixed window: repeats of one request are answered
      // from memory after the first, and a count of requests that fast would be over before autocannon's own start-up is.
      const answersAsChecked = (url: string, body: string) => async () => {
        const text = await overHttp(url, scenario);
        if (text !== body) throw new Error(`${scenario.name}: the server's response differs from the in-process one:\n${text}\n---\n${body}`);
      };
      const runs = [
        ...graphql.map((server, i) => ({ url: server.url, ...onEngines[i]!, check: answersAsChecked(server.url, onEngines[i]!.body) })),
        { url: rawUrl, ...onRaw, check: () => rawOverHttp(rawUrl, scenario, onRaw.body) },
        {
          url: cachedServer.url,
          body: onEngines[0]!.body,
          length: { seconds: measureSeconds },
          alone: Number.NaN,
          statements: 0,
          check: answersAsChecked(cachedServer.url, onEngines[0]!.body),
        },
      ];
      const served = async () => {
        for (const { check } of runs) await check();
      };
      await served();
      if (warmupSeconds > 0) {
        progress(`${scenario.name}: warming up for ${warmupSeconds} s each`);
        for (const { url, body } of runs) await load(url, scenario, { seconds: warmupSeconds }, body);
        await served();
      }
      const describe = (l: RunLength) => ('seconds' in l ? `${l.seconds} s` : `${l.requests} requests`);
      progress(
        `${scenario.name}: measuring ${rounds} rounds of ` +
          `${onEngines.map((e, i) => `GraphQL on ${labels[i]} (${describe(e.length)})`).join(', ')}, raw (${describe(onRaw.length)}) and cached GraphQL (${measureSeconds} s)`,
      );
      const results = runs.map(() => [] as autocannon.Result[]);
      for (let round = 0; round < rounds; round++) {
        for (const [i, { url, body, length }] of runs.entries()) {
          results[i]!.push(await load(url, scenario, length, body));
          await served();
        }
      }
      const figures = runs.map(({ length, alone, statements }, i) => measured(results[i]!, length, alone, statements));
      rows.push({ scenario: scenario.name, engines: figures.slice(0, graphql.length), raw: figures.at(-2)!, cached: figures.at(-1)!, matches });
    }

    const memoryAtEnd = measuredServers.map(({ server }) => server.memory());
    const mib = (n: number) => `${Math.round(n)} MiB`;
    const footprint = ({ name, server }: (typeof measuredServers)[number], i: number) => {
      const [start, end] = [memoryAtStart[i], memoryAtEnd[i]];
      const memory = start && end ? `; resident memory ${mib(start.rssMiB)} once up, ${mib(end.rssMiB)} after the scenarios (peak ${mib(end.peakMiB)})` : '';
      return `${name}: up in ${server.startSeconds.toFixed(1)} s${memory}`;
    };
    const slow = rows.flatMap((r) =>
      r.engines.flatMap((m, i) => (m.responses > 0 && m.p99 < P99_TARGET_MS ? [] : [`\`${r.scenario}\`${labels.length > 1 ? ` on ${labels[i]}` : ''}`])),
    );
    const onPostgres = engines.list.some((e) => e.name === 'postgres');
    const out = [
      ...catalogue.facts,
      ...engines.facts,
      ...notes,
      `Servers: src/server.ts on ${labels.join(' and on ')}, and the raw baseline (test/bench/raw-server.ts), in child processes on 127.0.0.1, all up in ${startSeconds.toFixed(1)} s (starting Node and tsx included). ` +
        `${measuredServers.map(footprint).join('. ')}.`,
      `Load: autocannon, ${CONNECTIONS} connections; per scenario ${warmupSeconds} s warm-up of each server, then ${rounds} rounds of ` +
        `${measureSeconds} s on ${labels.map((l) => `GraphQL on ${l}`).join(', ')} and the raw baseline, alternately; every response compared with the checked one.`,
      '',
      table(rows, labels),
      '',
      'Raw: the same answers (byte for byte, checked before measuring) from hand-written SQL on better-sqlite3, each statement prepared once, ' +
        `and JSON.stringify behind node:http: no GraphQL, no drizzle, no DataLoader. ${labels.map((l) => `${l} / raw`).join(', ')}: ` +
        'the ratio of the GraphQL server\'s requests per second on that engine to the raw baseline\'s (on SQLite, in every row).',
      ...(onPostgres
        ? [
            'PostgreSQL: the same requests and the same server (src/server.ts with DATABASE_URL); its answers checked against SQLite\'s before measuring: ' +
              'the same but for a search\'s order, scores and highlights (ts_rank_cd and ts_headline), where the number of papers found is the same.',
          ]
        : []),
      `p50: the mean of the rounds' medians; p99: the worst round's. Target: GraphQL p99 < ${P99_TARGET_MS} ms at ${CONNECTIONS} connections — ` +
        (slow.length === 0 ? 'met in every scenario.' : `missed by ${slow.join(', ')}.`),
      `Alone: the median of ${ALONE.min} to ${ALONE.max} requests one after another (${ALONE.seconds} s, after ${ALONE.warmup} not timed), in process: the same code and catalogue, no HTTP, no queue. ` +
        'SQL statements counted in process, for one request' +
        (onPostgres ? ' (on SQLite by Database.statements, on PostgreSQL by drizzle\'s logger, PostgresDatabase.statements).' : '.'),
      'Cached: the GraphQL server on SQLite as deployed, with the response cache on (src/http/caching.ts answers a repeated read from memory ' +
        `until the data changes), the same request repeated for ${measureSeconds} s per round; Cached / raw: the ratio of requests per second.`,
      `Errors (${labels.join(' / ')} / raw / cached): non-2xx responses, connection errors, timeouts and responses that differed from the checked one.`,
      ...(rows.some((r) => [...r.engines, r.raw].some((m) => m.counted))
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
      const body = checked.get(scenario)!.engines[0]!.body;
      const rawPerSecond = rows.find((r) => r.scenario === scenario.name)!.raw.requestsPerSecond;
      const figures: string[] = [];
      for (const client of CLIENTS) {
        progress(`${scenario.name}: as ${client} sends it`);
        const text = await overHttp(graphql[0]!.url, scenario, client);
        if (text !== body) throw new Error(`${scenario.name}, as ${client} sends it: the response differs from the checked one:\n${text}\n---\n${body}`);
        const runs = [];
        for (let round = 0; round < rounds; round++) runs.push(await load(graphql[0]!.url, scenario, { seconds: measureSeconds }, body, client));
        const m = measured(runs, { seconds: measureSeconds });
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
      return measured(runs, { seconds: measureSeconds });
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
    const cheap = list.filter((s) => s.raw === 'trending' || s.raw === 'paper').map((scenario) => ({ scenario, body: checked.get(scenario)!.engines[0]!.body }));
    if (cheap.length > 0) {
      progress('workers: measuring 1 and 2 worker processes (npm start with WORKERS)');
      const workerRows = await measureWorkers(catalogue.file, cheap, { seconds: measureSeconds });
      process.stdout.write(
        `\nWORKERS (node:cluster, ${CONNECTIONS} connections, ${measureSeconds} s each; the load generator shares the 2 cores):\n` +
          workerRows.map((r) => `- ${r.scenario}: 1 worker ${Math.round(r.one)} req/s, 2 workers ${Math.round(r.two)} req/s (×${(r.two / r.one).toFixed(2)})`).join('\n') +
          '\n',
      );
    }
    failed.push(...rows.filter((r) => [...r.engines, r.raw, r.cached].some((m) => m.errors > 0)).map((r) => r.scenario));
    for (const floor of floors) if (floor.measured.errors > 0) failed.push(floor.label);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await engines?.stop();
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
