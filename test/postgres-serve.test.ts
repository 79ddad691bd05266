// Serving a catalogue on PostgreSQL as people run it: `serve` in child
// processes with DATABASE_URL, each on a port of its own like two machines,
// against a real server that this file starts (test/postgres.ts). Both start
// on the same empty database at once; the seeds are loaded once, and both
// answer alike.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGES, openPostgres, type PostgresDatabase } from '../src/db/postgres.ts';
import { seededCatalogue } from './helpers.ts';
import { ROOT } from './ingest-helpers.ts';
import { startPostgres, type PostgresServer } from './postgres.ts';
import { POSTGRESQL, skipReason } from './prerequisites.ts';

interface Instance {
  child: ChildProcess;
  url: string;
  banner: string;
  stderr: () => string;
}

/** `serve` with this environment, once its banner says where it listens. */
function serve(env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', PORT: '0', EXECUTION_THREADS: '0', RATE_LIMIT_PER_MINUTE: '0', DATABASE_PATH: path.join(ROOT, 'no-such-folder', 'unused.db'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const url = /at (http:\/\/127\.0\.0\.1:\d+\/graphql)/u.exec(stdout)?.[1];
      if (url && stdout.includes('\n')) resolve({ child, url, banner: stdout.trim(), stderr: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}

const stopped = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

async function post(url: string, query: string): Promise<{ data?: any; errors?: unknown[] }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}

describe.skipIf(skipReason(POSTGRESQL))('serve with DATABASE_URL', { timeout: 180_000 }, () => {
  let server: PostgresServer;
  let instances: Instance[] = [];
  let database: PostgresDatabase;
  let seededPapers: number;

  beforeAll(async () => {
    server = await startPostgres();
    const sqlite = seededCatalogue();
    seededPapers = (sqlite.sqlite.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
    sqlite.close();
    // Two instances on the same empty database, started together.
    instances = await Promise.all([serve({ DATABASE_URL: server.url }), serve({ DATABASE_URL: server.url })]);
    database = await openPostgres(server.url, { watch: false });
  }, 180_000);

  afterAll(async () => {
    const codes = await Promise.all(instances.map((i) => stopped(i.child)));
    expect(codes).toEqual(instances.map(() => 0));
    await database?.close();
    await server?.stop();
  });

  it('loads the bundled seeds once, whichever instance started first', async () => {
    const { rows } = await database.pool.query<{ papers: number; distinct: number; imports: number }>(
      'SELECT count(*)::int AS papers, count(DISTINCT arxiv_id)::int AS distinct, (SELECT count(*)::int FROM imports) AS imports FROM papers',
    );
    expect(rows[0]!.papers).toBe(seededPapers);
    expect(rows[0]!.distinct).toBe(seededPapers);
    expect(rows[0]!.imports).toBeGreaterThan(0);
    for (const instance of instances) {
      expect(instance.banner).toMatch(new RegExp(`serving the PostgreSQL database \\w+ on 127\\.0\\.0\\.1:${server.port} \\(${seededPapers} papers\\)`, 'u'));
      // What it does not serve on PostgreSQL yet, it says, in one line.
      expect(instance.stderr()).toMatch(/digests by email and the scheduled sync still need a SQLite catalogue/u);
    }
  });

  it('answers the same queries on both instances, each on its own port', async () => {
    expect(new Set(instances.map((i) => i.url)).size).toBe(2);
    const query = '{ trendingPapers(first: 10) { edges { score node { arxivId title authors { name } organization { name } } } totalCount } searchPapers(query: "diffusion", first: 5, orderBy: UPVOTES) { nodes { arxivId } totalCount } }';
    const [a, b] = await Promise.all(instances.map((i) => post(i.url, query)));
    expect(a!.errors).toBeUndefined();
    expect(a!.data.trendingPapers.edges).toHaveLength(10);
    expect(a!.data.searchPapers.totalCount).toBeGreaterThan(0);
    expect(b!.data).toEqual(a!.data);
    const ready = await fetch(instances[0]!.url.replace('/graphql', '/ready'));
    expect(ready.status).toBe(200);
  });

  it('answers from its cache until the catalogue changes, then both instances answer anew', async () => {
    const query = '{ paper(arxivId: "2310.05869") { title } }';
    const titles = async () => Promise.all(instances.map(async (i) => (await post(i.url, query)).data.paper.title as string));
    const original = (await titles())[0]!;
    const client = await database.pool.connect();
    try {
      // The copy and every writer notify in the transaction that changes the catalogue.
      await client.query('BEGIN');
      await client.query(`UPDATE papers SET title = 'Changed on another machine' WHERE arxiv_id = '2310.05869'`);
      await client.query(`NOTIFY ${CHANGES}`);
      await client.query('COMMIT');
      await expect.poll(titles).toEqual(['Changed on another machine', 'Changed on another machine']);
      await client.query('BEGIN');
      await client.query(`UPDATE papers SET title = $1 WHERE arxiv_id = '2310.05869'`, [original]);
      await client.query(`NOTIFY ${CHANGES}`);
      await client.query('COMMIT');
      await expect.poll(titles).toEqual([original, original]);
    } finally {
      client.release();
    }
  });

  it('refuses a digest subscription with a clear error instead of losing it', async () => {
    const answer = await post(instances[1]!.url, 'mutation { subscribeToDigest(input: { email: "reader@example.org", period: WEEK }) { ok } }');
    expect(answer.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_AVAILABLE' }) })]);
    const { rows } = await database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM subscriptions');
    expect(rows[0]!.n).toBe(0);
  });
});
