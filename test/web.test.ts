// What a person opens in a browser: GraphiQL at /graphql with no network but
// this server's (a real headless Chromium, every other host refused), the
// root page and what it links, the SDL and the favicon. Without Debian's
// Chromium the tests that need a browser skip (npm test's pretest said why in
// one line); those that only fetch still run.
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, printSchema, stripIgnoredCharacters } from 'graphql';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { schema } from '../src/graphql/schema.ts';
import { startServer, type Running } from '../src/server.ts';
import { EXAMPLE_QUERY } from '../src/yoga.ts';
import { scratchFolder } from './helpers.ts';
import { CHROMIUM, skipReason } from './prerequisites.ts';

const noBrowser = skipReason(CHROMIUM);

const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let api: Running;
let origin: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Requests for any host but the server's, refused as if offline. */
const refused: string[] = [];
const pageErrors: string[] = [];

/** What GET / links, in its order. */
const ROOT_LINKS = ['/graphql', '/schema.graphql', '/embed', '/feeds/daily.atom', '/feeds/weekly.atom', '/feeds/monthly.atom'];

const get = (pathname: string, headers: Record<string, string> = {}) => fetch(`${origin}${pathname}`, { headers });

beforeAll(async () => {
  const scratch = scratchFolder();
  const database = path.join(scratch, 'catalogue.db');
  copyFileSync(path.join(inject('runFolder'), 'seeded.db'), database);
  api = await startServer(loadConfig({ DATABASE_PATH: database, PORT: '0', SEEDS: 'off', LOG_LEVEL: 'warn', OUTBOX_DIR: path.join(scratch, 'outbox') }));
  origin = new URL(api.url).origin;
  if (noBrowser) return;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    refused.push(url.href);
    return route.abort('internetdisconnected');
  });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

describe('GraphiQL at /graphql, offline', () => {
  it.skipIf(noBrowser)('loads in a browser from this server alone, runs the preloaded query and shows its data', async () => {
    const expected = await (await fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: EXAMPLE_QUERY }) })).json();
    expect(expected.data.trendingPapers.nodes.length).toBeGreaterThan(0);

    await page.goto(api.url);
    const editor = page.locator('.graphiql-query-editor');
    await editor.locator('.view-lines').getByText('trendingPapers').waitFor();
    const run = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/graphql' && r.request().postData()?.includes('trendingPapers') === true);
    await page.locator('.graphiql-execute-button').click();
    const response = await run;
    // GraphiQL sends the editor's document without comments and spacing.
    expect(JSON.parse(response.request().postData()!).query).toBe(stripIgnoredCharacters(EXAMPLE_QUERY));
    // The same answer and cost; what remains of the budget depends on what GraphiQL sent before (its introspection).
    const answer = await response.json();
    expect(answer.data).toEqual(expected.data);
    expect({ ...answer.extensions.cost, budget: undefined }).toEqual({ ...expected.extensions.cost, budget: undefined });

    // The result pane shows that answer: its visible lines are the start of the JSON, as wrapped by the editor.
    const pane = page.locator('.graphiql-response .view-lines');
    await pane.getByText(expected.data.trendingPapers.nodes[0].arxivId).waitFor();
    const squeeze = (text: string) => text.replace(/\s+/gu, '');
    const shown = squeeze(await pane.innerText());
    expect(shown.length).toBeGreaterThan(200);
    expect(squeeze(JSON.stringify(expected, null, 2)).startsWith(shown)).toBe(true);

    expect(refused).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('serves the page small and its files from memory, for good: cacheable, gzipped on request, unknown versions refused', async () => {
    const html = await (await get('/graphql', { accept: 'text/html' })).text();
    expect(html.length).toBeLessThan(10_000);
    const files = [...html.matchAll(/\/graphiql\/[\w-]+\/[\w.]+/gu)].map((m) => m[0]);
    expect(files.map((f) => f.split('/').at(-1)).sort()).toEqual(['editor.worker.js', 'graphiql.css', 'graphiql.js', 'graphql.worker.js', 'json.worker.js']);
    const script = files.find((f) => f.endsWith('/graphiql.js'))!;
    const plain = await get(script, { 'accept-encoding': 'identity' });
    expect(plain.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(plain.headers.get('content-encoding')).toBeNull();
    const text = await plain.text();
    expect(text).toContain('YogaGraphiQL');
    // fetch decodes gzip: the same text, sent in fewer bytes.
    const gzipped = await get(script, { 'accept-encoding': 'gzip' });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect(Number(gzipped.headers.get('content-length'))).toBeLessThan(text.length / 2);
    expect(await gzipped.text()).toBe(text);
    expect((await get(script.replace(/\/graphiql\/[\w-]+\//u, '/graphiql/old/'))).status).toBe(404);
    expect((await fetch(`${origin}${script}`, { method: 'POST' })).status).toBe(405);
  });
});

describe('the root page, the SDL and the favicon', () => {
  it('GET / links GraphiQL, the widget demo, the feeds and the SDL, and each link answers', async () => {
    const response = await get('/');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(/<title>(.*?)<\/title>/u.exec(html)?.[1]).toBe('Paper catalogue');
    const links = [...html.matchAll(/<a href="([^"]+)"/gu)].map((m) => m[1]!);
    expect(links).toEqual(ROOT_LINKS);
    for (const link of links) {
      const linked = await get(link, { accept: 'text/html' });
      expect(linked.status, link).toBe(200);
    }
    const feeds = [...html.matchAll(/<link rel="alternate" type="application\/atom\+xml" href="([^"]+)"/gu)].map((m) => m[1]);
    expect(feeds).toEqual(links.filter((l) => l.startsWith('/feeds/')));
  });

  it.skipIf(noBrowser)('GET / in a browser: the same title and links, and the favicon drawn square', async () => {
    await page.goto(`${origin}/`);
    await expect(page.title()).resolves.toBe('Paper catalogue');
    const links = await page.getByRole('link').evaluateAll((as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
    expect(links).toEqual(ROOT_LINKS);
    const feeds = await page.locator('link[rel="alternate"][type="application/atom+xml"]').evaluateAll((ls) => ls.map((l) => new URL((l as HTMLLinkElement).href).pathname));
    expect(feeds).toEqual(links.filter((l) => l.startsWith('/feeds/')));
    const size = await page.evaluate(async () => {
      const image = new Image();
      image.src = (document.querySelector('link[rel="icon"]') as HTMLLinkElement).href;
      await image.decode();
      return [image.naturalWidth, image.naturalHeight];
    });
    expect(size[0]).toBeGreaterThan(0);
    expect(size[1]).toBe(size[0]);
    expect(refused).toEqual([]);
  });

  it('GET /schema.graphql is the SDL of the schema served, as text', async () => {
    const response = await get('/schema.graphql');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const sdl = await response.text();
    expect(sdl).toBe(`${printSchema(schema)}\n`);
    expect(printSchema(buildSchema(sdl))).toBe(printSchema(schema));
    // The schema says what it is, in the SDL and to introspection.
    const introspected = await (await fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __schema { description } }' }) })).json();
    expect(introspected.data.__schema.description).toMatch(/^A catalogue of research papers/u);
    expect(sdl.startsWith(`"""\n${introspected.data.__schema.description}\n"""\nschema {`)).toBe(true);
    const again = await get('/schema.graphql', { 'if-none-match': response.headers.get('etag')! });
    expect(again.status).toBe(304);
  });

  it('/favicon.ico and /favicon.svg answer the same SVG icon', async () => {
    const bodies: string[] = [];
    for (const icon of ['/favicon.ico', '/favicon.svg']) {
      const response = await get(icon);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/svg+xml');
      bodies.push(await response.text());
    }
    expect(bodies[0]).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 32 32">/u);
    expect(bodies[1]).toBe(bodies[0]);
  });
});
