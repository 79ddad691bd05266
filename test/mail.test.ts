// Digests by email, end to end: the real server on a port, a real SMTP
// server on 127.0.0.1, the real mail parsed.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { XMLParser } from 'fast-xml-parser';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { periodContaining } from '../src/catalogue/dates.ts';
import { loadConfig } from '../src/config.ts';
import { deliverDueMail, retryDelay } from '../src/mail/delivery.ts';
import { runDigest } from '../src/mail/cli.ts';
import { createMailTransport } from '../src/mail/transport.ts';
import { startServer, type Running } from '../src/server.ts';
import { openCatalogue } from '../src/catalogue/index.ts';
import { subscribe as subscribeWith, type MailSettings, type SubscribeInput } from '../src/mail/subscriptions.ts';
import { allArxivIds, scratchFolder, seededCatalogue } from './helpers.ts';
import { countOf, mailCatalogue, type MailCatalogue } from './mail-catalogue.ts';
import { byArxivId, oraclePapers } from './oracle.ts';
import { startSmtp, type TestSmtp } from './smtp.ts';
import { hasTerm, paperTexts, quotedTerms } from './texts.ts';

const ADDRESS = 'Reader.One@Example.org';
const WEEK = '2026-06-24';

const linkIn = (mail: ParsedMail, action: 'confirm' | 'unsubscribe'): string => {
  const match = new RegExp(`https?://\\S+/digest/${action}\\?token=[\\w-]+`, 'u').exec(mail.text ?? '');
  if (!match) throw new Error(`no ${action} link in: ${mail.text}`);
  return match[0];
};

/** Follows a link from a mail as a person does: opens it (GET, a page with a button), then presses the button (POST). */
async function follow(link: string): Promise<Response> {
  const opened = await fetch(link);
  expect(opened.status).toBe(200);
  const token = new URL(link).searchParams.get('token')!;
  return fetch(new URL(link).pathname.replace(/^/u, new URL(link).origin), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
}

/** The week's papers as the data says: most upvoted first, ties by arXiv id. */
function weekPapers(day: string) {
  const { start, end } = periodContaining('WEEK', day);
  return [...oraclePapers().values()]
    .filter((p) => p.listedOn >= start && p.listedOn <= end)
    .sort((a, b) => b.upvotes - a.upvotes || byArxivId(a, b));
}

/** The arXiv ids a digest lists, in its order. */
const listedIn = (mail: ParsedMail): string[] => [...(mail.text ?? '').matchAll(/^ {3}https:\/\/arxiv\.org\/abs\/(\S+)$/gmu)].map((m) => m[1]!);

/** "…and N more: <link>" of a digest, text and HTML alike. */
function moreIn(mail: ParsedMail): { count: number; link: string } {
  const [, count, link] = /^…and (\d+) more: (\S+)$/mu.exec(mail.text ?? '') ?? [];
  if (!link) throw new Error(`no "…and N more" in: ${mail.text}`);
  expect(/<a href="([^"]+)">…and (\d+) more\.<\/a>/u.exec(mail.html as string)?.slice(1)).toEqual([link.replaceAll('&', '&amp;'), count]);
  return { count: Number(count), link };
}

/** The arXiv ids an Atom feed lists, in its order, fetched as a feed reader does. */
async function feedEntries(link: string): Promise<string[]> {
  const response = await fetch(link);
  expect(response.status, link).toBe(200);
  const parsed = new XMLParser({ isArray: (name) => name === 'entry' }).parse(await response.text());
  return ((parsed.feed.entry ?? []) as { id: string }[]).map((e) => e.id.replace('https://arxiv.org/abs/', ''));
}

let smtp: TestSmtp;
let server: Running;
let catalogue: MailCatalogue;
const quiet = { write: () => true };

async function graphql(query: string, variables?: Record<string, unknown>) {
  const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

const subscribe = (input: Record<string, unknown>) =>
  graphql('mutation($input: SubscribeToDigestInput!) { subscribeToDigest(input: $input) { ok } }', { input });

/** The server's settings, and those of `digest send` next to it (same database, same public address). */
function config(extra: Record<string, string> = {}) {
  const publicUrl = server ? { PUBLIC_URL: new URL(server.url).origin } : {};
  return loadConfig({ ...catalogue.env, PORT: '0', SMTP_URL: smtp.url, MAIL_POLL_MS: '50', SEEDS: 'off', LOG_LEVEL: 'warn', ...publicUrl, ...extra });
}

/** The SQLite catalogue for `digest send` (on PostgreSQL it opens DATABASE_URL itself). */
const openSqlite = () => openCatalogue(config().databasePath);
const send = (date: string, period = 'WEEK') => runDigest(['send', '--period', period, '--date', date], config(), openSqlite, quiet, quiet);

/** Subscribes in the catalogue directly, as the mutation does, at a time of the test's choosing. */
const subscribeDirect = (mail: MailSettings, input: SubscribeInput, options?: { now?: Date }) =>
  catalogue.open((store, reads) => subscribeWith(store, reads, mail, input, options));

beforeEach(async () => {
  smtp = await startSmtp();
  catalogue = await mailCatalogue();
  server = undefined as unknown as Running;
  server = await startServer(config());
});

afterEach(async () => {
  await server.close();
  await smtp.stop().catch(() => {});
  await catalogue.drop();
});

describe('the subscription round trip', () => {
  it('subscribe → confirmation → confirm link → digest send → digest → one-click unsubscribe → nothing more', async () => {
    const answer = await subscribe({ email: ADDRESS, period: 'WEEK' });
    expect(answer).toMatchObject({ data: { subscribeToDigest: { ok: true } } });
    expect(JSON.stringify(answer).toLowerCase()).not.toContain('reader.one');

    // The running server delivers the confirmation in the background.
    const [confirmation] = await smtp.waitFor(1);
    expect(confirmation!.to).toMatchObject({ text: ADDRESS.toLowerCase() });
    expect(confirmation!.subject).toBe('Confirm your weekly papers digest');

    // Double opt-in: an unconfirmed address gets no digest.
    expect(await send(WEEK)).toBe(0);
    expect(smtp.received).toHaveLength(1);

    const confirmPage = await follow(linkIn(confirmation!, 'confirm'));
    expect(confirmPage.status).toBe(200);
    expect(await confirmPage.text()).toContain('Subscription confirmed');

    const out: string[] = [];
    expect(await runDigest(['send', '--period', 'WEEK', '--date', WEEK], config(), openSqlite, { write: (t: string) => out.push(t) }, quiet)).toBe(0);
    expect(out.join('')).toMatch(/WEEK digest 2026-06-22 to 2026-06-28: 1 sent, 0 already sent, 0 empty, 0 failed/u);
    const [, digest] = await smtp.waitFor(2);
    const expected = weekPapers(WEEK);
    expect(digest!.subject).toBe(`${expected.length} papers: weekly digest 2026-06-22 to 2026-06-28`);
    const listed = [...(digest!.text ?? '').matchAll(/^\d+\. (.+)$/gmu)].map((m) => m[1]);
    expect(listed).toEqual(expected.slice(0, 30).map((p) => p.title));
    expect(digest!.text).toContain(`…and ${expected.length - 30} more: ${new URL(server.url).origin}/feeds/weekly.atom`);
    expect(digest!.text).toContain(`https://arxiv.org/abs/${expected[0]!.arxivId}`);
    expect(digest!.html).toContain(expected[0]!.title.replaceAll('&', '&amp;'));
    const unsubscribeUrl = linkIn(digest!, 'unsubscribe');
    const header = (name: string) => digest!.headerLines.find((h) => h.key === name)?.line.replace(/^[^:]+:\s*/u, '').replace(/\s+/gu, ' ');
    expect(header('list-unsubscribe')).toBe(`<${unsubscribeUrl}>`);
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');

    // RFC 8058: the mail client POSTs to the List-Unsubscribe URL.
    const oneClick = await fetch(unsubscribeUrl, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(oneClick.status).toBe(200);
    expect(await send('2026-06-17')).toBe(0);
    expect(await send('2026-06-10')).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.received).toHaveLength(2);
    const again = await fetch(unsubscribeUrl);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('Already unsubscribed');
  });

  it('narrows a digest to organizations and a search', async () => {
    await subscribe({ email: ADDRESS, period: 'MONTH', organizations: ['NVIDIA'], query: 'diffusion' });
    const [confirmation] = await smtp.waitFor(1);
    await follow(linkIn(confirmation!, 'confirm'));
    expect(await send('2026-03-10', 'MONTH')).toBe(0);
    const [, digest] = await smtp.waitFor(2);
    const titles = [...(digest!.text ?? '').matchAll(/^\d+\. (.+)$/gmu)].map((m) => m[1]);
    const expected = [...oraclePapers().values()].filter(
      (p) => p.org === 'nvidia' && p.listedOn.startsWith('2026-03') && /diffusion/iu.test(`${p.title} ${p.abstract}`),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(new Set(titles)).toEqual(new Set(expected.map((p) => p.title)));
    expect(digest!.text).toContain('(organizations: nvidia; search: diffusion)');
  });
});

describe('“…and N more”', () => {
  /** The ten organizations with the most papers in May 2026. */
  const busiest = () => {
    const counts = new Map<string, number>();
    for (const p of oraclePapers().values()) if (p.org && p.listedOn.startsWith('2026-05')) counts.set(p.org, (counts.get(p.org) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10).map(([slug]) => slug);
  };
  const cases: [string, Record<string, unknown>, string, () => Promise<string[]>][] = [
    // 109 papers, of which the feed of the latest 4 weeks (100 at most), the link before, held 22.
    ['a week of more papers than a feed of the latest weeks holds', { period: 'WEEK' }, '2026-06-24', async () => weekPapers('2026-06-24').map((p) => p.arxivId)],
    // Long before the 4 weeks of the feed of the latest weeks.
    ['a week long past', { period: 'WEEK' }, '2025-10-15', async () => weekPapers('2025-10-15').map((p) => p.arxivId)],
    [
      'a month narrowed to organizations and a search',
      { period: 'MONTH', organizations: busiest(), query: 'model' },
      '2026-05-13',
      // The catalogue's reading of the search (stems, keywords), most upvoted first.
      () =>
        allArxivIds(async (q, v) => (await graphql(q, v)).data, 'searchPapers', '$filter: PaperFilter', 'query: "model", orderBy: UPVOTES, filter: $filter', {
          filter: { listed: { from: '2026-05-01', to: '2026-05-31' }, organizations: busiest() },
        }),
    ],
  ];

  it.each(cases)('in a digest of %s leads to the feed of its period: the papers the mail lists, then all those it does not', async (_, input, date, catalogue) => {
    await subscribe({ email: ADDRESS, ...input });
    const [confirmation] = await smtp.waitFor(1);
    await follow(linkIn(confirmation!, 'confirm'));
    expect(await send(date, input.period as string)).toBe(0);
    const [, digest] = await smtp.waitFor(2);

    const expected = await catalogue();
    expect(expected.length).toBeGreaterThan(30);
    const listed = listedIn(digest!);
    expect(listed).toEqual(expected.slice(0, 30));
    const more = moreIn(digest!);
    expect(more.count).toBe(expected.length - listed.length);
    const { start } = periodContaining(input.period as 'WEEK' | 'MONTH', date);
    expect(new URL(more.link).searchParams.get('date')).toBe(start);

    const entries = await feedEntries(more.link);
    expect(entries.slice(0, listed.length)).toEqual(listed);
    expect(entries.slice(listed.length)).toEqual(expected.slice(listed.length));
    expect(entries).toHaveLength(listed.length + more.count);
  });
});

describe('a digest that follows liked papers', () => {
  const paperId = (arxivId: string) => encodeGlobalID('Paper', arxivId);
  /** Liked: the two most upvoted papers of May; disliked: the third. */
  const taste = () => {
    const [a, b, c] = [...oraclePapers().values()].filter((p) => p.listedOn.startsWith('2026-05')).sort((x, y) => y.upvotes - x.upvotes || byArxivId(x, y)).map((p) => p.arxivId);
    return { liked: [a!, b!], disliked: [c!] };
  };
  const RECOMMENDED = `query ($liked: [ID!]!, $disliked: [ID!], $filter: PaperFilter) {
    recommendedPapers(liked: $liked, disliked: $disliked, window: MONTH, filter: $filter, first: 30) {
      totalCount edges { because { summary } node { arxivId title } } } }`;
  /** Counts of the rows a subscription stores. */
  const stored = async () => {
    const [subscriptions, papers, outbox, quota] = await Promise.all(['subscriptions', 'subscription_papers', 'outbox', 'mail_quota'].map((table) => countOf(catalogue, table)));
    return { subscriptions, papers, outbox, quota };
  };

  it('lists the month’s papers as recommendedPapers ranks them for the liked and disliked papers, each with why; the confirmation names no paper', async () => {
    const { liked, disliked } = taste();
    const answer = await subscribe({ email: ADDRESS, period: 'MONTH', liked: liked.map(paperId), disliked: disliked.map(paperId) });
    expect(answer).toMatchObject({ data: { subscribeToDigest: { ok: true } } });
    expect(await stored()).toMatchObject({ subscriptions: 1, papers: 3 });

    const [confirmation] = await smtp.waitFor(1);
    expect(confirmation!.text).toContain('the monthly papers digest (ranked by 2 papers you liked and 1 paper you did not)');
    const titles = [...liked, ...disliked].map((id) => oraclePapers().get(id)!.title);
    for (const text of [confirmation!.text!, confirmation!.html as string, confirmation!.subject!]) {
      for (const id of [...liked, ...disliked]) expect(text).not.toContain(id);
      for (const title of titles) expect(text).not.toContain(title.slice(0, 30));
    }
    await follow(linkIn(confirmation!, 'confirm'));
    // June: inside the MONTH window of recommendedPapers, which then ranks the same papers.
    expect(await send('2026-06-10', 'MONTH')).toBe(0);
    const [, digest] = await smtp.waitFor(2);

    const { start, end } = periodContaining('MONTH', '2026-06-10');
    const june = [...oraclePapers().values()].filter((p) => p.listedOn >= start && p.listedOn <= end);
    const { recommendedPapers } = (await graphql(RECOMMENDED, { liked: liked.map(paperId), disliked: disliked.map(paperId), filter: { listed: { from: start, to: end } } })).data as {
      recommendedPapers: { totalCount: number; edges: { because: { summary: string }; node: { arxivId: string; title: string } }[] };
    };
    expect(recommendedPapers.edges).toHaveLength(30);
    const text = digest!.text!;
    expect(digest!.subject).toBe(`${recommendedPapers.totalCount} papers: monthly digest ${start} to ${end}`);
    expect(text).toContain(`${recommendedPapers.totalCount} of the month's ${june.length} papers like the 2 papers you liked, most alike first.`);
    const listed = [...text.matchAll(/^\d+\. (.+)\n {3}.+\n {3}Why: (.+)$/gmu)].map((m) => [m[1], m[2]]);
    expect(listed).toEqual(recommendedPapers.edges.map((e) => [e.node.title, e.because.summary]));
    // Not the upvote order of the month.
    expect(listed.map(([title]) => title)).not.toEqual(june.sort((x, y) => y.upvotes - x.upvotes || byArxivId(x, y)).slice(0, 30).map((p) => p.title));

    // Every term a reason quotes is in the listed paper and in a liked one.
    // The catalogue's texts, as the seeds hold them (the catalogue under test is a copy of them).
    const database = seededCatalogue();
    const texts = paperTexts(database.sqlite);
    database.close();
    let terms = 0;
    for (const edge of recommendedPapers.edges) {
      for (const term of quotedTerms(edge.because.summary)) {
        expect(hasTerm(texts.get(edge.node.arxivId)!, term) && liked.some((id) => hasTerm(texts.get(id)!, term)), `${term} in ${edge.node.arxivId}`).toBe(true);
        terms++;
      }
    }
    expect(terms).toBeGreaterThan(30);
    expect(digest!.html).toContain(`Why: ${recommendedPapers.edges[0]!.because.summary.replaceAll('&', '&amp;')}`);

    // "…and N more" leads to the feed that follows the same papers.
    const more = new RegExp(`…and ${recommendedPapers.totalCount - 30} more: (\\S+)`, 'u').exec(text)![1]!;
    expect(new URL(more).searchParams.get('liked')).toBe(liked.join(','));
    expect(new URL(more).searchParams.get('disliked')).toBe(disliked.join(','));
    const feed = await fetch(more);
    expect(feed.status).toBe(200);
    expect(await feed.text()).toContain('Why: ');
    // …to all of them: the 30 of the mail, then the rest, as recommendedPapers ranks the month.
    const entries = await feedEntries(more);
    expect(entries.slice(0, 30)).toEqual(recommendedPapers.edges.map((e) => e.node.arxivId));
    const all = await allArxivIds(async (q, v) => (await graphql(q, v)).data, 'recommendedPapers', '$liked: [ID!]!, $disliked: [ID!], $filter: PaperFilter', 'liked: $liked, disliked: $disliked, window: MONTH, filter: $filter', {
      liked: liked.map(paperId),
      disliked: disliked.map(paperId),
      filter: { listed: { from: start, to: end } },
    });
    expect(all).toHaveLength(recommendedPapers.totalCount);
    expect(entries).toEqual(all);
  });

  const id = (arxivId: string) => encodeGlobalID('Paper', arxivId);
  const refused: [string, { liked?: string[]; disliked?: string[] }, string, RegExp][] = [
    ['51 liked papers', { liked: [...oraclePapers().keys()].slice(0, 51).map(id) }, 'input.liked', /holds 51 ids; at most 50/u],
    ['a malformed id', { liked: ['nonsense'] }, 'input.liked[0]', /is not an id served by this API/u],
    ['an author’s id', { liked: [encodeGlobalID('Author', '1')] }, 'input.liked[0]', /not of a Paper/u],
    ['an unknown paper', { liked: [id('2310.05869'), id('2611.00000')] }, 'input.liked[1]', /names no paper/u],
    ['disliked papers alone', { disliked: [id('2310.05869')] }, 'input.liked', /is empty/u],
    ['a paper liked and disliked', { liked: [id('2310.05869')], disliked: [id('2310.04064'), id('2310.05869')] }, 'input.disliked[1]', /liked too/u],
  ];
  it.each(refused)('refuses %s naming the argument, storing and sending nothing', async (_, taste, argument, message) => {
    const result = await subscribe({ email: ADDRESS, period: 'WEEK', ...taste });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    expect(result.errors![0]!.message).toMatch(message);
    expect(JSON.stringify(result).toLowerCase()).not.toContain('reader.one');
    await new Promise((r) => setTimeout(r, 200));
    expect(await stored()).toEqual({ subscriptions: 0, papers: 0, outbox: 0, quota: 0 });
    expect(smtp.received).toHaveLength(0);
  });

  it('is one subscription whatever the order of the liked papers, another with other liked papers, and keeps the address’s limits', async () => {
    const { liked, disliked } = taste();
    expect((await subscribe({ email: ADDRESS, period: 'WEEK', liked: liked.map(paperId) })).data).toEqual({ subscribeToDigest: { ok: true } });
    // The address had its confirmation: asking again, with other liked papers too, waits ten minutes.
    const again = await subscribe({ email: ADDRESS, period: 'WEEK', liked: [...disliked, ...liked].map(paperId) });
    expect(again.errors?.[0]?.extensions?.code).toBe('MAIL_RATE_LIMITED');
    expect(await stored()).toMatchObject({ subscriptions: 1, papers: 2, outbox: 1 });

    const ids = new Map((await catalogue.rows<{ arxivId: string; id: number }>('SELECT arxiv_id AS "arxivId", id FROM papers')).map((r) => [r.arxivId, r.id]));
    const settings = { publicUrl: 'http://x', nudge: () => {} };
    const later = (minutes: number) => ({ now: new Date(Date.now() + minutes * 60_000) });
    await subscribeDirect(settings, { email: ADDRESS, period: 'WEEK', liked: [...liked].reverse().map((id) => ids.get(id)!) }, later(11));
    expect(await stored()).toMatchObject({ subscriptions: 1, papers: 2, outbox: 2 });
    await subscribeDirect(settings, { email: ADDRESS, period: 'WEEK', liked: [ids.get(liked[0]!)!], disliked: [ids.get(disliked[0]!)!] }, later(22));
    expect(await stored()).toMatchObject({ subscriptions: 2, papers: 4, outbox: 3 });
  });
});

describe('subscribing', () => {
  it('asking twice creates no duplicate and no second mail; confirming twice is ok: false', async () => {
    expect((await subscribe({ email: ADDRESS, period: 'DAY' })).data).toEqual({ subscribeToDigest: { ok: true } });
    const twice = await subscribe({ email: ` ${ADDRESS.toUpperCase()} `, period: 'DAY' });
    expect(twice.errors?.[0]?.extensions?.code).toBe('MAIL_RATE_LIMITED');
    await smtp.waitFor(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.received).toHaveLength(1);
    expect(await countOf(catalogue, 'subscriptions')).toBe(1);

    const token = new URL(linkIn(smtp.received[0]!, 'confirm')).searchParams.get('token')!;
    const confirm = 'mutation($t: String!) { confirmDigestSubscription(token: $t) { ok period } }';
    expect((await graphql(confirm, { t: token })).data).toEqual({ confirmDigestSubscription: { ok: true, period: 'DAY' } });
    expect((await graphql(confirm, { t: token })).data).toEqual({ confirmDigestSubscription: { ok: false, period: null } });
    expect((await graphql(confirm, { t: 'not-a-token' })).data).toEqual({ confirmDigestSubscription: { ok: false, period: null } });
    expect((await subscribe({ email: ADDRESS, period: 'DAY' })).data).toEqual({ subscribeToDigest: { ok: true } });
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.received).toHaveLength(1);
  });

  it.each([
    [{ email: 'not an address', period: 'DAY' }, 'input.email'],
    [{ email: 'a@b', period: 'DAY' }, 'input.email'],
    [{ email: ADDRESS, period: 'DAY', organizations: ['nvidia', 'no-such-lab'] }, 'input.organizations'],
    [{ email: ADDRESS, period: 'DAY', query: '-only -exclusions' }, 'input.query'],
    [{ email: ADDRESS, period: 'YEAR' }, '$input'],
  ])('refuses %j naming %s, without echoing the address', async (input, argument) => {
    const result = await subscribe(input);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toContain(argument);
    expect(JSON.stringify(result).toLowerCase()).not.toContain('reader.one');
  });

  it('keeps tokens only as hashes, and lets a confirmation expire after 7 days', async () => {
    await subscribe({ email: ADDRESS, period: 'WEEK' });
    const token = new URL(linkIn((await smtp.waitFor(1))[0]!, 'confirm')).searchParams.get('token')!;
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);
    const dump = JSON.stringify(await catalogue.rows('SELECT * FROM subscription_tokens'));
    expect(dump).not.toContain(token);
    const { confirm } = await import('../src/mail/subscriptions.ts');
    expect(await catalogue.open((store) => confirm(store, token, new Date(Date.now() + 8 * 86_400_000)))).toEqual({ ok: false, period: null, state: 'invalid' });
    expect(await catalogue.open((store) => confirm(store, token))).toEqual({ ok: true, period: 'WEEK', state: 'done' });
  });
});

describe('digest send', () => {
  async function confirmedSubscribers(n: number): Promise<string[]> {
    const emails = Array.from({ length: n }, (_, i) => `reader${i}@example.org`);
    for (const email of emails) await subscribe({ email, period: 'WEEK' });
    const confirmations = await smtp.waitFor(n);
    for (const mail of confirmations) await follow(linkIn(mail, 'confirm'));
    smtp.received.length = 0;
    return emails;
  }

  it('sends nothing twice, skips empty periods, and reports', async () => {
    await confirmedSubscribers(2);
    expect(await send(WEEK)).toBe(0);
    expect(await send(WEEK)).toBe(0);
    await smtp.waitFor(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.received.map((m) => (m.to as { text: string }).text).sort()).toEqual(['reader0@example.org', 'reader1@example.org']);
    const out: string[] = [];
    // 2026-07-08: after the catalogue ends, an empty week.
    expect(await runDigest(['send', '--period', 'WEEK', '--date', '2026-07-08'], config(), openSqlite, { write: (t: string) => out.push(t) }, quiet)).toBe(0);
    expect(out.join('')).toContain('0 sent, 0 already sent, 2 empty, 0 failed');
    expect(await runDigest(['send', '--period', 'YEAR'], config(), openSqlite, quiet, quiet)).toBe(2);
  });

  it('keeps mail queued while the SMTP server is down, exits non-zero, and sends it once when it is back', async () => {
    await confirmedSubscribers(2);
    await smtp.stop();
    const logged: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (logged.push(String(chunk)), true));
    try {
      expect(await send(WEEK)).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(logged.join('')).toContain('mail not delivered, will retry');
    expect(logged.join('')).not.toContain('@example.org');
    await smtp.start();
    expect(await send(WEEK)).toBe(0);
    await smtp.waitFor(2);
    expect(await send(WEEK)).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.received).toHaveLength(2);
  });

  it('sends each missing mail exactly once after a run killed part-way', async () => {
    const emails = await confirmedSubscribers(3);
    await server.close();
    // Accept the first digest, then kill the sender while it sends the second.
    let child: ReturnType<typeof spawn> | undefined;
    let seen = 0;
    smtp.onMessage = () => {
      seen++;
      if (seen === 2) {
        process.kill(-child!.pid!, 'SIGKILL');
        throw new Error('sender killed');
      }
    };
    const env = { ...process.env, ...catalogue.env, SMTP_URL: smtp.url, SEEDS: 'off' };
    child = spawn('npx', ['tsx', 'src/main.ts', 'digest', 'send', '--period', 'WEEK', '--date', WEEK], { env, detached: true, stdio: 'ignore' });
    const status = await new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
    expect(status).not.toBe(0);
    expect(smtp.received).toHaveLength(1);
    smtp.onMessage = () => {};
    expect(await send(WEEK)).toBe(0);
    await smtp.waitFor(3);
    expect(smtp.received.map((m) => (m.to as { text: string }).text).sort()).toEqual(emails);
    server = await startServer(config());
  }, 60_000);

  it('retries a failed delivery with backoff', async () => {
    await server.close(); // its outbox worker would send the mail first
    await subscribeDirect({ publicUrl: 'http://x', nudge: () => {} }, { email: 'late@example.org', period: 'DAY' });
    const transport = createMailTransport(config().mail);
    await smtp.stop();
    const t0 = Date.now();
    const deliver = (at: number) => catalogue.open((store) => deliverDueMail(store, transport, () => new Date(at)));
    expect((await deliver(t0)).failed).toHaveLength(1);
    await smtp.start();
    expect(await deliver(t0 + retryDelay(0) - 1)).toEqual({ sent: [], failed: [], busy: [] });
    expect((await deliver(t0 + retryDelay(0))).sent).toHaveLength(1);
    await smtp.waitFor(1);
    transport.close();
    server = await startServer(config());
  });
});

describe('without an SMTP server', () => {
  it('writes each mail as an .eml file into the outbox folder', async () => {
    const outbox = path.join(scratchFolder(), 'outbox');
    await server.close(); // its outbox worker would send the mail first
    await subscribeDirect({ publicUrl: 'http://x', nudge: () => {} }, { email: 'file@example.org', period: 'WEEK' });
    const transport = createMailTransport(loadConfig({ OUTBOX_DIR: outbox }).mail);
    expect((await catalogue.open((store) => deliverDueMail(store, transport))).sent).toHaveLength(1);
    const [file] = readdirSync(outbox);
    const mail = await simpleParser(readFileSync(path.join(outbox, file!)));
    expect(mail.subject).toBe('Confirm your weekly papers digest');
    expect(mail.text).toMatch(/http:\/\/x\/digest\/confirm\?token=/u);
  });
});

afterAll(() => {
  vi.restoreAllMocks();
});
