// WORKERS=2: two server processes on one port, one database file; SIGTERM stops them all.
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { seededCatalogue } from './helpers.ts';

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

it('serves from two worker processes on one port and stops them all on SIGTERM', async () => {
  const database = seededCatalogue();
  const file = database.sqlite.name;
  database.close();
  const port = await freePort();
  const server = spawn('node', ['--import', 'tsx', 'src/main.ts', 'serve'], {
    env: { ...process.env, WORKERS: '2', PORT: String(port), DATABASE_PATH: file, SEEDS: 'off', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      if ((await fetch(`${base}/ready`).then((r) => r.status, () => 0)) === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The primary hands new connections to the workers in turn: /ready names the
    // process that answered. Each request on a connection of its own (fetch would
    // reuse one), until both workers have answered (the second may start later).
    const pids = new Set<number>();
    const until = Date.now() + 30_000;
    while (pids.size < 2 && Date.now() < until) {
      const ready = await new Promise<{ pid: number } | null>((resolve) => {
        get(`${base}/ready`, { agent: false }, (response) => {
          let body = '';
          response.on('data', (chunk) => (body += chunk)).on('end', () => resolve(response.statusCode === 200 ? JSON.parse(body) : null));
        }).on('error', () => resolve(null));
      });
      if (ready) pids.add(ready.pid);
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(pids.size).toBe(2);
    const answer = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ paper(arxivId: "2310.05869") { upvotes } }' }) });
    expect((await answer.json()).data).toEqual({ paper: { upvotes: 2 } });
    expect(pids.has(server.pid!)).toBe(false);
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    server.kill('SIGKILL');
  }
}, 60_000);
