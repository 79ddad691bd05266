// WORKERS=2 against one worker: `npm start` with WORKERS=2 (node:cluster) on
// the same catalogue file, measured on the same scenarios as one server.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type autocannon from 'autocannon';
import { load, type RunLength } from './load.ts';
import type { Scenario } from './scenarios.ts';
import { BENCH_ENV } from './settings.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** Starts `src/main.ts serve` with `workers` processes; resolves once it answers /ready. */
async function startCluster(databasePath: string, workers: number) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, ...BENCH_ENV, NODE_ENV: 'production', WORKERS: String(workers), PORT: String(port), DATABASE_PATH: databasePath, SEEDS: 'off' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if ((await fetch(`${base}/ready`).then((r) => r.status, () => 0)) === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // Give the other workers time to listen too.
  await new Promise((r) => setTimeout(r, 2_000));
  return {
    url: `${base}/graphql`,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      kill();
      process.removeListener('exit', kill);
    },
  };
}

export interface WorkersRow {
  scenario: string;
  one: number;
  two: number;
}

/** Requests per second with one worker process and with two, for each scenario, one after the other. */
export async function measureWorkers(
  databasePath: string,
  scenarios: { scenario: Scenario; body: string }[],
  length: RunLength,
): Promise<WorkersRow[]> {
  const rate = (r: autocannon.Result) => r.requests.average;
  const results = new Map<string, { one: number; two: number }>();
  for (const workers of [1, 2] as const) {
    const cluster = await startCluster(databasePath, workers);
    try {
      for (const { scenario, body } of scenarios) {
        await load(cluster.url, scenario, { seconds: 1 }, body);
        const measured = rate(await load(cluster.url, scenario, length, body));
        const row = results.get(scenario.name) ?? { one: 0, two: 0 };
        row[workers === 1 ? 'one' : 'two'] = measured;
        results.set(scenario.name, row);
      }
    } finally {
      await cluster.stop();
    }
  }
  return [...results].map(([scenario, { one, two }]) => ({ scenario, one, two }));
}
