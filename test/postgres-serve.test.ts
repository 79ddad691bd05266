// Serving a catalogue on PostgreSQL as people run it: `serve` in child
// processes with DATABASE_URL, each on a port of its own like two machines,
// against a real server that this file starts (test/postgres.ts), and a real
// SMTP server on 127.0.0.1. Both start on the same empty database at once;
// the seeds are loaded once, both answer alike, a subscription made through
// one is confirmed through the other, and each mail is sent once.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGES, openPostgres, type PostgresDatabase } from '../src/db/postgres.ts';
import { loadConfig } from '../src/config.ts';
import { runDigest } from '../src/mail/cli.ts';
import { seededCatalogue } from './helpers.ts';
import { startSmtp, type TestSmtp } from './smtp.ts';
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

async function post(url: string, query: string, variables?: Record<string, unknown>): Promise<{ data?: any; errors?: { extensions?: { code?: string } }[] }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
}

const SUBSCRIBE = 'mutation($input: SubscribeToDigestInput!) { subscribeToDigest(input: $input) { ok } }';

/** The link of `action` in a mail, on the origin of `instance` (each instance writes links to itself). */
function linkOn(instance: Instance, text: string, action: 'confirm' | 'unsubscribe'): string {
  const link = new RegExp(`https?://\\S+/digest/${action}\\?token=[\\w-]+`, 'u').exec(text)?.[0];
  if (!link) throw new Error(`no ${action} link in: ${text}`);
  const { pathname, search } = new URL(link);
  return `${new URL(instance.url).origin}${pathname}${search}`;
}

/** Presses a link's button: POSTs its token as a form, as the page's button does. */
const press = (link: string) =>
  fetch(`${new URL(link).origin}${new URL(link).pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: new URL(link).searchParams.get('token')! }).toString(),
  });

const recipientsOf = (smtp: TestSmtp) => smtp.received.map((m) => (m.to as { text: string }).text);

describe.skipIf(skipReason(POSTGRESQL))('serve with DATABASE_URL', { timeout: 180_000 }, () => {
  let server: PostgresServer;
  let instances: Instance[] = [];
  let database: PostgresDatabase;
  let seededPapers: number;
  let smtp: TestSmtp;

  beforeAll(async () => {
    server = await startPostgres();
    smtp = await startSmtp();
    const sqlite = seededCatalogue();
    seededPapers = (sqlite.sqlite.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
    sqlite.close();
    // Two instances on the same empty database, started together.
    const env = { DATABASE_URL: server.url, SMTP_URL: smtp.url, MAIL_POLL_MS: '25', SUBSCRIPTIONS_PER_IP_PER_DAY: '1000' };
    instances = await Promise.all([serve(env), serve(env)]);
    database = await openPostgres(server.url, { watch: false });
  }, 180_000);

  afterAll(async () => {
    const codes = await Promise.all(instances.map((i) => stopped(i.child)));
    expect(codes).toEqual(instances.map(() => 0));
    await database?.close();
    await server?.stop();
    await smtp?.stop();
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
      expect(instance.stderr()).toBe('');
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

  it('confirms through one instance a subscription made through the other, sends its digest, and unsubscribes through the first', async () => {
    smtp.received.length = 0;
    const [a, b] = instances as [Instance, Instance];
    expect((await post(a.url, SUBSCRIBE, { input: { email: 'reader@example.org', period: 'WEEK' } })).data).toEqual({ subscribeToDigest: { ok: true } });
    const [confirmation] = await smtp.waitFor(1);
    const confirm = linkOn(b, confirmation!.text!, 'confirm');
    expect(await (await fetch(confirm)).text()).toContain('<button');
    const pressed = await press(confirm);
    expect(await pressed.text()).toContain('Subscription confirmed');
    const status = async () => (await database.pool.query<{ status: string }>(`SELECT status FROM subscriptions WHERE email = 'reader@example.org'`)).rows.map((r) => r.status);
    expect(await status()).toEqual(['active']);
    expect(await (await press(linkOn(a, confirmation!.text!, 'confirm'))).text()).toContain('Already confirmed');

    // `digest send` on a third machine: the same database, mail through the same SMTP server.
    const quiet = { write: () => true };
    const config = loadConfig({ DATABASE_URL: server.url, SMTP_URL: smtp.url, PUBLIC_URL: new URL(a.url).origin, LOG_LEVEL: 'silent' });
    const out: string[] = [];
    expect(await runDigest(['send', '--period', 'WEEK', '--date', '2026-06-24'], config, () => { throw new Error('no SQLite here'); }, { write: (t: string) => out.push(t) }, quiet)).toBe(0);
    expect(out.join('')).toContain('1 sent, 0 already sent, 0 empty, 0 failed');
    const [, digest] = await smtp.waitFor(2);
    expect(digest!.subject).toMatch(/papers: weekly digest 2026-06-22 to 2026-06-28$/u);
    expect(await runDigest(['send', '--period', 'WEEK', '--date', '2026-06-24'], config, () => { throw new Error('no SQLite here'); }, { write: (t: string) => out.push(t) }, quiet)).toBe(0);
    expect(out.at(-1)).toContain('0 sent, 1 already sent');
    // The one-click unsubscribe of the digest's header, through the first instance.
    const header = digest!.headerLines.find((h) => h.key === 'list-unsubscribe')!.line.replace(/\s+/gu, '');
    const oneClick = await fetch(linkOn(a, header, 'unsubscribe'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(await oneClick.text()).toContain('Unsubscribed');
    expect(await status()).toEqual(['ended']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.received).toHaveLength(2);
  });

  it('sends each queued mail once, with both instances delivering the queue at once', async () => {
    smtp.received.length = 0;
    const now = new Date().toISOString();
    const recipients = Array.from({ length: 40 }, (_, i) => `queued${i}@example.org`);
    // Queued in one transaction, as a digest run does: both workers, polling every 25 ms, find them due together.
    await database.pool.query(
      `INSERT INTO outbox (key, kind, recipient, subject, text, html, headers, created_at, next_attempt_at)
       SELECT 'queued:' || r, 'digest', r, 'A queued mail', 'text', '<p>html</p>', '{}', $2, $2 FROM unnest($1::text[]) AS r`,
      [recipients, now],
    );
    await smtp.waitFor(40);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(recipientsOf(smtp).sort()).toEqual([...recipients].sort());
    const { rows } = await database.pool.query<{ unsent: number; locked: number }>(
      `SELECT count(*) FILTER (WHERE sent_at IS NULL)::int AS unsent, count(*) FILTER (WHERE locked_by IS NOT NULL)::int AS locked FROM outbox WHERE key LIKE 'queued:%'`,
    );
    expect(rows[0]).toEqual({ unsent: 0, locked: 0 });
  });

  it('sends one confirmation for an address asked for through both instances at once', async () => {
    smtp.received.length = 0;
    const asked = await Promise.all(
      Array.from({ length: 10 }, (_, i) => post(instances[i % 2]!.url, SUBSCRIBE, { input: { email: 'target@example.org', period: 'DAY', query: `topic${i}` } })),
    );
    const codes = asked.map((answer) => answer.errors?.[0]?.extensions?.code ?? 'ok');
    expect(codes.filter((code) => code === 'ok')).toHaveLength(1);
    expect(codes.filter((code) => code === 'MAIL_RATE_LIMITED')).toHaveLength(9);
    await smtp.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(recipientsOf(smtp)).toEqual(['target@example.org']);
    const { rows } = await database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM subscriptions WHERE email = 'target@example.org'`);
    expect(rows[0]!.n).toBe(1);
  });
});
