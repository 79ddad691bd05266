// npm run bench: requests per second, latency and SQL statements per request
// of a few typical queries, against the real server on 127.0.0.1.
//
// The catalogue is built from the bundled seeds into a temporary file. The
// server runs in a child process (server.ts) so that autocannon, here, does
// not share its event loop; statement counts are measured in this process,
// through createApp(database).fetch on the same file, before the server starts.
//
//   BENCH_SECONDS          measuring time per scenario, default 5
//   BENCH_WARMUP_SECONDS   warm-up per scenario before measuring, default 1 (0: none)
//
// Results go to stdout (a Markdown table); progress goes to stderr.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCatalogue, type Database } from '../../src/catalogue/index.ts';
import { countPapers } from '../../src/catalogue/meta.ts';
import { loadSeedsIfNeeded } from '../../src/ingest/seeds.ts';
import { createApp, type App } from '../../src/yoga.ts';
import { startChildServer, type ChildServer } from './child.ts';
import { CONNECTIONS, load } from './load.ts';
import { loadLine, machineLine, table, type Row } from './report.ts';
import { BUSIEST_ORGANIZATION, checkResponse, requestBody, requestHeaders, scenarios, type Scenario } from './scenarios.ts';

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

async function overHttp(url: string, scenario: Scenario): Promise<string> {
  const response = await fetch(url, { method: 'POST', headers: requestHeaders(), body: requestBody(scenario), signal: AbortSignal.timeout(10_000) });
  return checkResponse(scenario, response, 'over HTTP');
}

async function main(): Promise<number> {
  const measureSeconds = seconds('BENCH_SECONDS', 5);
  const warmupSeconds = seconds('BENCH_WARMUP_SECONDS', 1, true);
  process.stdout.write(`Date: ${new Date().toISOString()}\n${machineLine()}\n${loadLine()}\n`);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'paper-catalogue-bench-'));
  const file = path.join(dir, 'catalogue.db');
  let database: Database | undefined;
  let server: ChildServer | undefined;
  let failed: string[] = [];
  // Ctrl-C: exit through the 'exit' handlers, which kill the child and remove the files.
  const interrupted = () => process.exit(130);
  const removeFiles = () => rmSync(dir, { recursive: true, force: true });
  process.once('SIGINT', interrupted);
  process.once('exit', removeFiles);
  try {
    progress(`building the catalogue from the bundled seeds in ${file}`);
    const buildStarted = performance.now();
    database = openCatalogue(file);
    const seeded = loadSeedsIfNeeded(database);
    if (!seeded || seeded.rejected > 0) throw new Error(`loading the seeds failed: ${JSON.stringify(seeded)}`);
    database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const papers = countPapers(database.db);
    const buildSeconds = (performance.now() - buildStarted) / 1000;

    const app = createApp(database);
    const busiest = await inProcess(app, database, {
      name: 'organizations(first: 1)',
      query: BUSIEST_ORGANIZATION,
      missing: (data) => (data.organizations?.nodes?.[0]?.slug ? null : 'no organization'),
    });
    const slug = (JSON.parse(busiest.body) as { data: { organizations: { nodes: { slug: string }[] } } }).data.organizations.nodes[0]!.slug;
    const list = scenarios(slug);

    const checked = new Map<Scenario, { body: string; statements: number }>();
    for (const scenario of list) checked.set(scenario, await inProcess(app, database, scenario));
    // The server opens the file itself; nothing here touches it while it is measured.
    database.close();
    database = undefined;

    // Each scenario: warm-up + measuring + some slack for the last requests to time out.
    const lifetime = 60 + list.length * (warmupSeconds + measureSeconds + 15);
    server = await startChildServer(file, lifetime);
    progress(`server (pid ${server.pid}) at ${server.url}`);

    const rows: Row[] = [];
    for (const scenario of list) {
      const { body, statements } = checked.get(scenario)!;
      const served = await overHttp(server.url, scenario);
      if (served !== body) throw new Error(`${scenario.name}: the server's response differs from the in-process one:\n${served}\n---\n${body}`);
      if (warmupSeconds > 0) {
        progress(`${scenario.name}: warming up for ${warmupSeconds} s`);
        await load(server.url, scenario, warmupSeconds, body);
      }
      progress(`${scenario.name}: measuring for ${measureSeconds} s`);
      const result = await load(server.url, scenario, measureSeconds, body);
      rows.push({
        scenario: scenario.name,
        // Not requests.average: that averages whole-second samples, wrong for runs under a second.
        requestsPerSecond: result.requests.total / result.duration,
        p50: result.latency.p50,
        p99: result.latency.p99,
        statements,
        non2xx: result.non2xx,
        errors: result.errors + result.mismatches,
      });
    }

    const out = [
      `Catalogue: ${papers} papers from the bundled seeds (built in ${buildSeconds.toFixed(1)} s). Server: src/server.ts in a child process on 127.0.0.1.`,
      `Load: autocannon, ${CONNECTIONS} connections, ${warmupSeconds} s warm-up then ${measureSeconds} s per scenario; every response compared with the checked one.`,
      '',
      table(rows),
      '',
      'Errors: connection errors, timeouts and responses that differed from the checked one. SQL statements counted in process, for one request.',
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
  process.stdout.write(`Total time: ${process.uptime().toFixed(1)} s\n`);
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
