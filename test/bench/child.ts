// Starting server.ts in a child process and stopping it for sure.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
/** The raw baseline (raw-server.ts), started and stopped the same way. */
export const RAW_SERVER = fileURLToPath(new URL('./raw-server.ts', import.meta.url));
/** A bare createYoga answering { hello } (hello-server.ts): the floor of the GraphQL stack. */
export const HELLO_SERVER = fileURLToPath(new URL('./hello-server.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface ChildServer {
  url: string;
  pid: number;
  /** From spawning Node to the server's URL on stdout (tsx, migrations and opening the file included). */
  startSeconds: number;
  /** Its resident memory now and at its peak, in MiB (from /proc: null where there is none). */
  memory(): { rssMiB: number; peakMiB: number } | null;
  stop(): Promise<void>;
}

function memoryOf(pid: number): { rssMiB: number; peakMiB: number } | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  const [rss, peak] = [kib('VmRSS'), kib('VmHWM')];
  return Number.isFinite(rss) && Number.isFinite(peak) ? { rssMiB: rss / 1024, peakMiB: peak / 1024 } : null;
}

/**
 * Runs server.ts (or another script of the same protocol, such as
 * RAW_SERVER) on an existing catalogue (a file, or for server.ts a
 * PostgreSQL database's URL) and resolves with its URL.
 * The child also stops by itself when this process goes away (its stdin
 * closes) or when `lifetimeSeconds` are over.
 */
export function startChildServer(catalogue: string, lifetimeSeconds: number, script = SERVER, env: Record<string, string> = {}): Promise<ChildServer> {
  const spawned = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', script, catalogue, String(Math.ceil(lifetimeSeconds))], {
    cwd: ROOT,
    // As deployed: graphql-js reads NODE_ENV when it loads.
    env: { ...process.env, ...env, NODE_ENV: 'production' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  // 'error' without 'exit' when the process could not be spawned at all.
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()).once('error', () => resolve()));
  // Last resort if this process ends without stop(): kill is synchronous.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killOnExit);
    })());

  return new Promise<ChildServer>((resolve, reject) => {
    let output = '';
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`bench server: ${why}${output ? `; it printed: ${output}` : ''}`)));
    };
    const timer = setTimeout(() => fail(`no URL within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    child.once('exit', (code, signal) => fail(`exited before printing its URL (${signal ?? `status ${code}`})`));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (settled) return;
      output += chunk;
      const newline = output.indexOf('\n');
      if (newline < 0) return;
      const url = output.slice(0, newline).trim();
      if (!url.startsWith('http://127.0.0.1:')) return fail(`unexpected first line "${url}"`);
      settled = true;
      clearTimeout(timer);
      const pid = child.pid!;
      resolve({ url, pid, startSeconds: (performance.now() - spawned) / 1000, memory: () => memoryOf(pid), stop });
    });
  });
}
