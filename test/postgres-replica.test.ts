// Read replicas on PostgreSQL: a real streaming replica (pg_basebackup -R
// from the primary that this file starts), and openPostgres with replicas
// sending reads to it and writes to the primary, with `$primary` for reading
// one's own writes at once.
import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meta } from '../src/db/pg-schema.ts';
import { CHANGES, openPostgres, type PostgresDatabase } from '../src/db/postgres.ts';
import { copyCatalogue } from '../src/db/copy.ts';
import { loadConfig } from '../src/config.ts';
import { openServed } from '../src/server.ts';
import { createApp } from '../src/yoga.ts';
import { seededCatalogue } from './helpers.ts';
import { startPostgres, type PostgresReplica, type PostgresServer } from './postgres.ts';
import { POSTGRESQL, skipReason } from './prerequisites.ts';

const noPostgres = skipReason(POSTGRESQL);

/** Which server answered: its port, and whether it is a replica (in recovery). */
const served = sql<{ port: number; standby: boolean }>`json_build_object('port', inet_server_port(), 'standby', pg_is_in_recovery())`;

describe.skipIf(noPostgres !== null)(`read replicas${noPostgres ? ` (${noPostgres})` : ''}`, () => {
  let primary: PostgresServer & { startReplica(): Promise<PostgresReplica> };
  let replica: PostgresReplica;
  let database: PostgresDatabase;

  beforeAll(async () => {
    primary = await startPostgres();
    // Migrated and given the seeded catalogue, then copied (pg_basebackup) as a replica is made from a running primary.
    const seeded = seededCatalogue();
    const target = await openPostgres(primary.url, { watch: false });
    await copyCatalogue(seeded.db, target.db);
    await target.close();
    seeded.close();
    replica = await primary.startReplica();
    database = await openPostgres(primary.url, { replicas: [replica.url] });
  }, 120_000);

  afterAll(async () => {
    await database?.close();
    await primary?.stop();
  });

  it('send writes to the primary and reads to the replica, which streams what the primary wrote', async () => {
    await database.db.insert(meta).values({ key: 'replicated', value: 'yes' });
    const readBack = () => database.db.select({ value: meta.value, served }).from(meta).where(eq(meta.key, 'replicated'));
    // Streaming is asynchronous: the row arrives on the replica a moment later.
    let rows = await readBack();
    for (let attempt = 0; rows.length === 0 && attempt < 100; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      rows = await readBack();
    }
    expect(rows).toEqual([{ value: 'yes', served: { port: replica.port, standby: true } }]);
  });

  it('read from the primary through $primary: what a flow just wrote, before the replica has it', async () => {
    const [row] = await database.db
      .insert(meta)
      .values({ key: 'own write', value: '1' })
      .returning({ key: meta.key });
    expect(row).toEqual({ key: 'own write' });
    const own = await database.db.$primary!.select({ value: meta.value, served }).from(meta).where(eq(meta.key, 'own write'));
    expect(own).toEqual([{ value: '1', served: { port: primary.port, standby: false } }]);
  });

  it('serves the API from the replica with DATABASE_REPLICA_URLS, and what the primary wrote once the replica has it', async () => {
    const { served, close } = await openServed(loadConfig({ DATABASE_URL: primary.url, DATABASE_REPLICA_URLS: replica.url, SEEDS: 'off', LOG_LEVEL: 'silent' }));
    const app = createApp(served);
    const title = async () => {
      const response = await app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ paper(arxivId: "2310.05869") { title } }' }) });
      return ((await response.json()) as { data: { paper: { title: string } } }).data.paper.title;
    };
    const onReplica = new pg.Client({ connectionString: replica.url });
    const onPrimary = new pg.Client({ connectionString: primary.url });
    await Promise.all([onReplica.connect(), onPrimary.connect()]);
    try {
      const original = await title();
      // The replica stops replaying what the primary writes: the API's reads, from the replica, still see the old title.
      await onReplica.query('SELECT pg_wal_replay_pause()');
      await onPrimary.query(`UPDATE papers SET title = 'Written on the primary' WHERE arxiv_id = '2310.05869'`);
      await onPrimary.query(`NOTIFY ${CHANGES}`);
      expect((await onPrimary.query(`SELECT title FROM papers WHERE arxiv_id = '2310.05869'`)).rows).toEqual([{ title: 'Written on the primary' }]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await title()).toBe(original);
      // Replaying again, the replica catches up, and so does the API.
      await onReplica.query('SELECT pg_wal_replay_resume()');
      await expect.poll(title, { timeout: 10_000 }).toBe('Written on the primary');
    } finally {
      await onReplica.query('SELECT pg_wal_replay_resume()').catch(() => {});
      await Promise.all([onReplica.end(), onPrimary.end()]);
      await close();
    }
  });

  it('confirms a subscription while the replica has not replayed it: the flow reads its own writes on the primary', async () => {
    const { served, close } = await openServed(loadConfig({ DATABASE_URL: primary.url, DATABASE_REPLICA_URLS: replica.url, SEEDS: 'off', LOG_LEVEL: 'silent' }));
    const app = createApp(served, { mail: { publicUrl: 'http://test', nudge: () => {} } });
    const onReplica = new pg.Client({ connectionString: replica.url });
    await onReplica.connect();
    try {
      await onReplica.query('SELECT pg_wal_replay_pause()');
      const post = async (query: string, variables: Record<string, unknown>) =>
        (await app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) })).json();
      const subscribed = await post('mutation($input: SubscribeToDigestInput!) { subscribeToDigest(input: $input) { ok } }', { input: { email: 'replica@example.org', period: 'WEEK' } });
      expect(subscribed).toMatchObject({ data: { subscribeToDigest: { ok: true } } });
      // The confirmation link, from the queued mail on the primary.
      const [mail] = await database.db.$primary!.execute<{ text: string }>(sql`SELECT text FROM outbox WHERE recipient = 'replica@example.org'`).then((r) => r.rows);
      const link = /\/digest\/confirm\?token=([\w-]+)/u.exec(mail!.text)![1]!;
      expect((await onReplica.query(`SELECT count(*)::int AS n FROM subscriptions WHERE email = 'replica@example.org'`)).rows).toEqual([{ n: 0 }]);
      const confirmed = await post('mutation($t: String!) { confirmDigestSubscription(token: $t) { ok period } }', { t: link });
      expect(confirmed).toMatchObject({ data: { confirmDigestSubscription: { ok: true, period: 'WEEK' } } });
      const [row] = (await database.db.$primary!.execute<{ status: string }>(sql`SELECT status FROM subscriptions WHERE email = 'replica@example.org'`)).rows;
      expect(row).toEqual({ status: 'active' });
    } finally {
      await onReplica.query('SELECT pg_wal_replay_resume()').catch(() => {});
      await onReplica.end();
      await close();
    }
  });

  it('the replica refuses writes', async () => {
    const client = new pg.Client({ connectionString: replica.url });
    await client.connect();
    try {
      await expect(client.query(`INSERT INTO meta (key, value) VALUES ('on the replica', 'no')`)).rejects.toMatchObject({ code: '25006' });
      // It has the primary's tables.
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'papers'`);
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await client.end();
    }
  });
});
