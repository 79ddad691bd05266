// Digest mail cannot be turned against anyone: the real server on a port, the
// real SMTP test server, and the rows of the database counted.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParsedMail } from 'mailparser';
import { loadConfig } from '../src/config.ts';
import { openCatalogue } from '../src/catalogue/index.ts';
import { hashToken, newToken } from '../src/catalogue/subscriptions.ts';
import { deliverDueMail } from '../src/mail/delivery.ts';
import { createMailTransport } from '../src/mail/transport.ts';
import { runDigest } from '../src/mail/cli.ts';
import { subscribe as subscribeWith, type MailSettings, type SubscribeInput } from '../src/mail/subscriptions.ts';
import { startServer, type Running } from '../src/server.ts';
import { countOf, mailCatalogue, type MailCatalogue } from './mail-catalogue.ts';

/** Subscribes in the catalogue directly, as the mutation does, at a time of the test's choosing. */
const subscribeDirect = (mail: MailSettings, input: SubscribeInput, options?: { now?: Date }) =>
  catalogue.open((store, reads) => subscribeWith(store, reads, mail, input, options));
import { startSmtp, type TestSmtp } from './smtp.ts';

const SUBSCRIBE = 'mutation($input: SubscribeToDigestInput!) { subscribeToDigest(input: $input) { ok } }';

let smtp: TestSmtp;
let server: Running;
let catalogue: MailCatalogue;

const config = (extra: Record<string, string> = {}) =>
  loadConfig({ ...catalogue.env, PORT: '0', SMTP_URL: smtp.url, MAIL_POLL_MS: '50', SEEDS: 'off', LOG_LEVEL: 'silent', ...extra });

type Answer = { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] };

async function post(body: unknown): Promise<{ status: number; body: Answer }> {
  const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Answer };
}

const subscribe = async (input: Record<string, unknown>) => (await post({ query: SUBSCRIBE, variables: { input } })).body;
const codeOf = (answer: Answer) => answer.errors?.[0]?.extensions?.code;

/** The SQLite catalogue for `digest send` (on PostgreSQL it opens DATABASE_URL itself). */
const openSqlite = () => openCatalogue(config().databasePath);

/** Row counts of the tables subscribing writes to. */
async function rows(): Promise<{ subscriptions: number; outbox: number; quota: number }> {
  return { subscriptions: await countOf(catalogue, 'subscriptions'), outbox: await countOf(catalogue, 'outbox'), quota: await countOf(catalogue, 'mail_quota') };
}

async function statusOf(id = 1): Promise<string> {
  const [row] = await catalogue.rows<{ status: string }>('SELECT status FROM subscriptions WHERE id = ?', id);
  return row!.status;
}

/** Waits long enough for the outbox worker (polling every 50 ms) to have sent anything queued. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

const linkIn = (mail: ParsedMail, action: string): string => {
  const match = new RegExp(`https?://\\S+/digest/${action}\\?token=[\\w%-]+`, 'u').exec(mail.text ?? '');
  if (!match) throw new Error(`no ${action} link in: ${mail.text}`);
  return match[0];
};

/** Presses a page's button: POSTs the link's token as a form to the link's path. */
const press = (link: string) =>
  fetch(`${new URL(link).origin}${new URL(link).pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: new URL(link).searchParams.get('token')! }).toString(),
  });

beforeEach(async () => {
  smtp = await startSmtp();
  catalogue = await mailCatalogue();
  server = await startServer(config());
});

afterEach(async () => {
  await server.close();
  await smtp.stop().catch(() => {});
  await catalogue.drop();
});

describe('one mail-sending mutation per request', () => {
  const aliased = (n: number, offset = 0) =>
    `mutation { ${Array.from({ length: n }, (_, i) => `m${i}: subscribeToDigest(input: { email: "victim@example.org", period: DAY, query: "q${offset + i}" }) { ok }`).join(' ')} }`;

  it('refuses a batch of 10 operations × 30 aliases with its own code, and sends nothing', async () => {
    const batch = Array.from({ length: 10 }, (_, i) => ({ query: aliased(30, i * 30) }));
    const answer = await post(batch);
    expect(answer.status).toBe(400);
    const errors = Array.isArray(answer.body) ? (answer.body as Answer[]).flatMap((a) => a.errors ?? []) : (answer.body.errors ?? []);
    expect(errors[0]?.extensions?.code).toBe('TOO_MANY_MAIL_MUTATIONS');
    expect(errors[0]?.message).toMatch(/at most one mutation that sends mail \(subscribeToDigest\).*this one holds 300/u);
    await settle();
    expect(smtp.received).toHaveLength(0);
    expect(await rows()).toEqual({ subscriptions: 0, outbox: 0, quota: 0 });
  });

  it('refuses two aliases in one operation, two operations of a batch, and a field repeated through fragments', async () => {
    const fragmented = `mutation { ...A ...A } fragment A on Mutation { subscribeToDigest(input: { email: "v@example.org", period: DAY }) { ok } }`;
    const inline = `mutation { ... on Mutation { a: subscribeToDigest(input: { email: "v@example.org", period: DAY }) { ok } } b: subscribeToDigest(input: { email: "w@example.org", period: DAY }) { ok } }`;
    expect(codeOf((await post({ query: aliased(2) })).body)).toBe('TOO_MANY_MAIL_MUTATIONS');
    expect(codeOf((await post({ query: fragmented })).body)).toBe('TOO_MANY_MAIL_MUTATIONS');
    expect(codeOf((await post({ query: inline })).body)).toBe('TOO_MANY_MAIL_MUTATIONS');
    const batch = await post([{ query: aliased(1) }, { query: aliased(1, 1) }]);
    expect(batch.status).toBe(400);
    expect(JSON.stringify(batch.body)).toContain('TOO_MANY_MAIL_MUTATIONS');
    await settle();
    expect(smtp.received).toHaveLength(0);
    expect((await rows()).subscriptions).toBe(0);
  });

  it('refuses a digest query that searchPapers would refuse (it is searched for each digest), and stores nothing', async () => {
    const query = 'a* OR b* OR c* OR d*';
    const answer = await subscribe({ email: 'q@example.org', period: 'WEEK', query });
    expect(codeOf(answer)).toBe('QUERY_TOO_COSTLY');
    const search = (await post({ query: `{ searchPapers(query: ${JSON.stringify(query)}, first: 1) { totalCount } }` })).body;
    expect(codeOf(search)).toBe('QUERY_TOO_COSTLY');
    // The same search nodes: searchPapers adds its page of one.
    expect(answer.errors![0]!.extensions!.requestedNodes).toBe((search.errors![0]!.extensions!.requestedNodes as number) - 1);
    expect(codeOf(await subscribe({ email: 'q@example.org', period: 'WEEK', query: 'diffus* model' }))).toBeUndefined();
    await smtp.waitFor(1);
    expect((await rows()).subscriptions).toBe(1);
  });

  it('lets one through, next to reads in the same batch', async () => {
    const answer = await post([{ query: aliased(1) }, { query: '{ organizations(first: 1) { nodes { slug } } }' }]);
    expect(answer.status).toBe(200);
    expect((answer.body as unknown as Answer[])[0]).toMatchObject({ data: { m0: { ok: true } } });
    await smtp.waitFor(1);
  });
});

describe('confirmations per address', () => {
  it('sends one mail for six requests that vary the query, and refuses the others with MAIL_RATE_LIMITED', async () => {
    const answers = [];
    for (const query of ['diffusion', 'robot', 'language', 'vision', 'agent', 'speech']) {
      answers.push(await subscribe({ email: 'target@example.org', period: 'DAY', query }));
    }
    expect(answers[0]).toMatchObject({ data: { subscribeToDigest: { ok: true } } });
    for (const answer of answers.slice(1)) {
      expect(codeOf(answer)).toBe('MAIL_RATE_LIMITED');
      expect(answer.errors?.[0]?.message).toBe('A confirmation was sent to this address less than ten minutes ago. Follow the link in it, or try again later.');
    }
    await smtp.waitFor(1);
    await settle();
    expect(smtp.received).toHaveLength(1);
    expect(await rows()).toEqual({ subscriptions: 1, outbox: 1, quota: 2 }); // one charge to the address, one to the IP
  });

  it('counts in the database: a restarted server still refuses, and case or spaces make no other address', async () => {
    expect((await subscribe({ email: 'target@example.org', period: 'WEEK' })).data).toEqual({ subscribeToDigest: { ok: true } });
    await server.close();
    server = await startServer(config());
    expect(codeOf(await subscribe({ email: '  TARGET@Example.ORG ', period: 'MONTH' }))).toBe('MAIL_RATE_LIMITED');
    await smtp.waitFor(1);
    await settle();
    expect(smtp.received).toHaveLength(1);
  });

  it('sends at most five a day, whatever the settings', async () => {
    const mail = { publicUrl: 'http://x', nudge: () => {} };
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
    const queries = ['diffusion', 'robot', 'language', 'vision', 'agent', 'speech'];
    // Five in the last 24 hours, each more than ten minutes after the one before.
    for (let i = 0; i < 5; i++) await subscribeDirect(mail, { email: 'target@example.org', period: 'DAY', query: queries[i] }, { now: hoursAgo(20 - i) });
    const sixth = await subscribe({ email: 'target@example.org', period: 'DAY', query: queries[5] });
    expect(codeOf(sixth)).toBe('MAIL_RATE_LIMITED');
    expect(sixth.errors?.[0]?.message).toContain('5 confirmations in the last 24 hours');
    expect((await rows()).subscriptions).toBe(5);
    // A day after the first, one more may go.
    await expect(subscribeDirect(mail, { email: 'target@example.org', period: 'DAY', query: queries[5] }, { now: hoursAgo(-4.5) })).resolves.toBeUndefined();
    expect((await rows()).subscriptions).toBe(6);
  });
});

describe('subscriptions per client IP', () => {
  it('allows SUBSCRIPTIONS_PER_IP_PER_DAY, then refuses with SUBSCRIPTION_BUDGET_EXCEEDED', async () => {
    await server.close();
    server = await startServer(config({ SUBSCRIPTIONS_PER_IP_PER_DAY: '3' }));
    for (let i = 0; i < 3; i++) expect((await subscribe({ email: `reader${i}@example.org`, period: 'DAY' })).data).toEqual({ subscribeToDigest: { ok: true } });
    const fourth = await subscribe({ email: 'reader3@example.org', period: 'DAY' });
    expect(codeOf(fourth)).toBe('SUBSCRIPTION_BUDGET_EXCEEDED');
    expect(fourth.errors?.[0]?.message).toContain('3 subscriptions in the last 24 hours');
    expect(JSON.stringify(fourth)).not.toContain('127.0.0.1');
    await smtp.waitFor(3);
    await settle();
    expect(smtp.received).toHaveLength(3);
    expect((await rows()).subscriptions).toBe(3);
    expect(loadConfig({}).mail.subscriptionsPerIpPerDay).toBe(20);
  });
});

describe('addresses', () => {
  it.each([
    ['a\u0000@example.org', 'control or invisible characters'],
    ['a@example.org\u0000', 'control or invisible characters'],
    ['a\u200b@example.org', 'control or invisible characters'],
    [`${'a'.repeat(237)}@example.org`, 'longer than 64'],
    [`${'a'.repeat(60)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.org`, 'longer than 254'], // 256 characters
    ['Eve <a@example.org>', 'single plain email address'],
    ['a@example.org, b@example.org', 'single plain email address'],
    ['"a@b"@example.org', 'single plain email address'],
  ])('refuses %j with BAD_USER_INPUT naming input.email, storing nothing', async (email, problem) => {
    const answer = await subscribe({ email, period: 'DAY' });
    expect(codeOf(answer)).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0]?.message).toContain('input.email');
    expect(answer.errors?.[0]?.message).toContain(problem);
    await settle();
    expect(await rows()).toEqual({ subscriptions: 0, outbox: 0, quota: 0 });
    expect(smtp.received).toHaveLength(0);
  });

  it('does not deliver a queued mail whose recipient is not a normalised address (a row from before the checks)', async () => {
    await server.close(); // its outbox worker would try the mail first
    const now = new Date().toISOString();
    await catalogue.rows(
      "INSERT INTO outbox (key, kind, recipient, subject, text, html, headers, created_at, next_attempt_at) VALUES ('old', 'confirmation', ?, 's', 't', 'h', '{}', ?, ?) RETURNING id",
      'a\u200b@example.org', // PostgreSQL's text holds no NUL
      now,
      now,
    );
    const transport = createMailTransport(config().mail);
    expect((await catalogue.open((store) => deliverDueMail(store, transport))).failed).toHaveLength(1);
    transport.close();
    expect(smtp.received).toHaveLength(0);
    server = await startServer(config());
  });

  it('stores, deduplicates and delivers to the same normalised address', async () => {
    expect((await subscribe({ email: ' Reader@Example.ORG\n', period: 'DAY' })).data).toEqual({ subscribeToDigest: { ok: true } });
    const [mail] = await smtp.waitFor(1);
    expect(mail!.to).toMatchObject({ text: 'reader@example.org' });
    expect(await catalogue.rows('SELECT email FROM subscriptions')).toEqual([{ email: 'reader@example.org' }]);
    expect(await catalogue.rows('SELECT recipient FROM outbox')).toEqual([{ recipient: 'reader@example.org' }]);
  });
});

describe('the confirmation mail', () => {
  it('quotes no text of the requester: names from the catalogue only', async () => {
    const bait = 'WinAFreePhone';
    expect((await subscribe({ email: 'reader@example.org', period: 'WEEK', organizations: ['nvidia'], query: bait })).data).toEqual({ subscribeToDigest: { ok: true } });
    const [mail] = await smtp.waitFor(1);
    for (const part of [mail!.subject, mail!.text, mail!.html]) expect(String(part).toLowerCase()).not.toContain(bait.toLowerCase());
    expect(mail!.text).toContain('weekly papers digest (papers from NVIDIA, narrowed by a search)');
  });
});

describe('links in mail', () => {
  async function confirmationLinks() {
    await subscribe({ email: 'reader@example.org', period: 'WEEK' });
    const [mail] = await smtp.waitFor(1);
    return { confirm: linkIn(mail!, 'confirm'), refuse: linkIn(mail!, 'refuse') };
  }

  it('GET on a confirm link changes nothing and shows a button; POST confirms; a second POST says already confirmed', async () => {
    const { confirm } = await confirmationLinks();
    const opened = await fetch(confirm);
    expect(opened.status).toBe(200);
    const html = await opened.text();
    expect(html).toContain('<form method="post" action="/digest/confirm">');
    expect(html).toContain(`name="token" value="${new URL(confirm).searchParams.get('token')}"`);
    expect(await statusOf()).toBe('pending');
    expect(await (await fetch(confirm)).text()).toContain('<button');
    expect(await statusOf()).toBe('pending');

    const pressed = await press(confirm);
    expect(pressed.status).toBe(200);
    expect(await pressed.text()).toContain('Subscription confirmed');
    expect(await statusOf()).toBe('active');
    const again = await press(confirm);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('Already confirmed');
    expect(await (await fetch(confirm)).text()).toContain('Already confirmed');
    expect(await statusOf()).toBe('active');
  });

  it('GET on an unsubscribe link changes nothing; POST ends the subscription; a second POST says already unsubscribed', async () => {
    const { confirm } = await confirmationLinks();
    await press(confirm);
    const token = newToken();
    await catalogue.rows("INSERT INTO subscription_tokens (hash, subscription_id, purpose, created_at) VALUES (?, 1, 'unsubscribe', ?) RETURNING hash", hashToken(token), new Date().toISOString());
    const unsubscribe = `${new URL(server.url).origin}/digest/unsubscribe?token=${token}`;
    const opened = await fetch(unsubscribe);
    expect(await opened.text()).toContain('<form method="post" action="/digest/unsubscribe">');
    expect(await statusOf()).toBe('active');
    const pressed = await press(unsubscribe);
    expect(await pressed.text()).toContain('Unsubscribed');
    expect(await statusOf()).toBe('ended');
    expect(await (await press(unsubscribe)).text()).toContain('Already unsubscribed');
    expect(await (await fetch(unsubscribe)).text()).toContain('Already unsubscribed');
  });

  it('refuses a subscription from the confirmation mail: GET shows a button, POST ends it, the confirm link is dead after', async () => {
    const { confirm, refuse } = await confirmationLinks();
    const opened = await fetch(refuse);
    expect(await opened.text()).toContain('<form method="post" action="/digest/refuse">');
    expect(await statusOf()).toBe('pending');
    const pressed = await press(refuse);
    expect(await pressed.text()).toContain('Subscription refused');
    expect(await statusOf()).toBe('ended');
    expect(await (await press(refuse)).text()).toContain('Already refused');
    const dead = await press(confirm);
    expect(dead.status).toBe(410);
    expect(await statusOf()).toBe('ended');
  });

  it('a link without a token, or with a token of HTML, gets a page with nothing of it unescaped', async () => {
    const origin = new URL(server.url).origin;
    expect((await fetch(`${origin}/digest/confirm`)).status).toBe(400);
    const odd = await fetch(`${origin}/digest/confirm?token=${encodeURIComponent('"><script>x</script>')}`);
    expect(odd.status).toBe(410);
    expect(await odd.text()).not.toContain('<script>');
  });
});

describe('digest send', () => {
  it('warns on stderr when PUBLIC_URL is not set', async () => {
    const err: string[] = [];
    const quiet = { write: () => true };
    expect(await runDigest(['send', '--period', 'WEEK', '--date', '2026-07-08'], config(), openSqlite, quiet, { write: (t: string) => err.push(t) })).toBe(0);
    expect(err.join('')).toContain('warning: PUBLIC_URL is not set');
    err.length = 0;
    await runDigest(['send', '--period', 'WEEK', '--date', '2026-07-08'], config({ PUBLIC_URL: 'https://papers.example.org' }), openSqlite, quiet, { write: (t: string) => err.push(t) });
    expect(err.join('')).toBe('');
  });
});
