// `npm start` as people run it and stop it: SIGTERM or SIGINT to the npm
// process ends every process it started, after answering the request in flight.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { seededCatalogue } from './helpers.ts';
import { ROOT } from './ingest-helpers.ts';

const started = new Set<ChildProcess>();
afterAll(() => {
  for (const child of started) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });

/** Every process below `pid`, from /proc. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/u.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid …: comm may hold spaces, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const child of parents.get(parent) ?? []) {
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const until = async (condition: () => boolean | Promise<boolean>) => {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 50));
};

function npmStart(env: Record<string, string>) {
  const database = seededCatalogue();
  const file = database.sqlite.name;
  database.close();
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_PATH: file, SEEDS: 'off', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: afterAll can kill whatever a failed test leaves.
    detached: true,
  });
  started.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => ({ stdout, stderr }), banner: () => until(() => stdout.includes('Paper catalogue GraphQL API')) };
}

/** A POST /graphql whose body is sent in two halves: the second when `finish` is called. */
function slowRequest(port: number, query: string) {
  const body = JSON.stringify({ query });
  const half = Math.floor(body.length / 2);
  let finish!: () => void;
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path: '/graphql', method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: response.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.write(body.slice(0, half));
    finish = () => req.end(body.slice(half));
  });
  return { answered, finish: () => finish() };
}

describe('npm start stops cleanly', { timeout: 120_000 }, () => {
  it('SIGTERM to npm answers the request in flight, closes the port and leaves no process behind', async () => {
    const port = await freePort();
    const server = npmStart({ PORT: String(port) });
    await server.banner();
    const processes = descendants(server.child.pid!);
    expect(processes.length).toBeGreaterThan(0);
    const inFlight = slowRequest(port, '{ paper(arxivId: "2310.05869") { arxivId upvotes } }');
    // The server has the request (its headers) once it answers another: requests are handled in order of arrival.
    expect(await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status)).toBe(200);
    process.kill(server.child.pid!, 'SIGTERM');
    // Stopping: no new connection is accepted, while the request in flight still waits for its body.
    await until(() => refused(port));
    inFlight.finish();
    const answer = await inFlight.answered;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).data).toEqual({ paper: { arxivId: '2310.05869', upvotes: 2 } });
    expect(await server.exited).toEqual({ code: 0, signal: null });
    await until(() => processes.every((pid) => !alive(pid)));
    expect(processes.filter(alive)).toEqual([]);
    expect(await refused(port)).toBe(true);
    expect(server.output().stderr).toBe('');
  });

  it('SIGINT to npm with WORKERS=2 ends the primary and both workers', async () => {
    const port = await freePort();
    const server = npmStart({ PORT: String(port), WORKERS: '2' });
    await server.banner();
    // npm → node primary → two workers (node:cluster forks them as they start).
    await until(() => descendants(server.child.pid!).length >= 3);
    const processes = descendants(server.child.pid!);
    const answer = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ paper(arxivId: "2310.05869") { upvotes } }' }),
    });
    expect((await answer.json()).data).toEqual({ paper: { upvotes: 2 } });
    process.kill(server.child.pid!, 'SIGINT');
    const exited = await server.exited;
    expect(exited.code === 0 || exited.signal === 'SIGINT').toBe(true);
    await until(() => processes.every((pid) => !alive(pid)));
    expect(processes.filter(alive)).toEqual([]);
    expect(await refused(port)).toBe(true);
  });
});
