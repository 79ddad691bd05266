// The <paper-list> widget in a real headless Chromium (Debian's, driven by
// playwright-core). The API server listens on one port and the host page is
// served from another, so the widget is tested cross-origin, as it runs on
// other people's sites. What it should show is asked of the API directly.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startServer, type Running } from '../src/server.ts';
import { scratchFolder, type GraphQLResponse } from './helpers.ts';
import { CHROMIUM, skipReason } from './prerequisites.ts';
import { hasTerm, paperTexts, quotedTerms } from './texts.ts';

// Without Debian's Chromium these tests skip (npm test's pretest said why in one line).
const noBrowser = skipReason(CHROMIUM);

const ARTIFACTS = fileURLToPath(new URL('./artifacts', import.meta.url));
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Paper {
  arxivId: string;
  title: string;
  url: string;
  upvotes: number;
  authors: { name: string }[];
  organization: { name: string } | null;
}
const PAPER = 'arxivId title url upvotes authors { name } organization { name }';

let api: Running;
let apiOrigin: string;
let databaseFile: string;
let host: Server;
let hostOrigin: string;
let browser: BrowserContext;
let page: Page;
/** Where nothing listens: a port that was free a moment ago. */
let closedPort: number;
const pageErrors: string[] = [];
const graphqlPosts: string[] = [];

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function graphql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
  const response = await fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as GraphQLResponse<T>;
}

async function data<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const result = await graphql<T>(query, variables);
  expect(result.errors).toBeUndefined();
  return result.data!;
}

function hostPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Someone else's page</title>
<script type="module" src="${apiOrigin}/embed.js"></script></head>
<body>
<paper-list id="trending" trending="WEEK" limit="5"></paper-list>
<paper-list id="organization" organization="nvidia" limit="3"></paper-list>
<paper-list id="search" query="kolmogorov"></paper-list>
<paper-list id="refused" query="-only"></paper-list>
<paper-list id="unreachable" api="http://127.0.0.1:${closedPort}/graphql" limit="2"></paper-list>
<paper-list id="nothing" query="zzqxjvw"></paper-list>
<paper-list id="too-many" limit="500"></paper-list>
<paper-list id="dark" theme="dark" limit="1"></paper-list>
<paper-list id="light" theme="light" limit="1"></paper-list>
<paper-list id="related" related="2310.05869" organization="nvidia" limit="4"></paper-list>
<paper-list id="related-unknown" related="2611.00000"></paper-list>
</body></html>`;
}

const widget = (id: string): Locator => page.locator(`#${id}`);
const loaded = (id: string) => widget(id).locator('section[aria-busy="false"]').waitFor();

/** The papers a widget shows: link target, link text and the marked words, in order. */
function shown(id: string) {
  return widget(id)
    .locator('ol > li')
    .evaluateAll((items) =>
      items.map((li) => {
        const link = li.querySelector('a')!;
        return {
          url: link.href,
          title: link.textContent,
          marks: [...link.querySelectorAll('mark')].map((m) => m.textContent),
          authors: li.querySelector('.authors')!.textContent,
          organization: li.querySelector('.organization')?.textContent ?? null,
          upvotes: li.querySelector('.upvotes')!.textContent,
          because: li.querySelector('.because')?.textContent ?? null,
        };
      }),
    );
}

/** Relative luminance (0 black … 1 white) of a widget's background. */
async function backgroundLuminance(id: string): Promise<number> {
  const color = await widget(id).locator('section').evaluate((s) => getComputedStyle(s).backgroundColor);
  const [r, g, b] = color.match(/\d+/gu)!.map(Number) as [number, number, number];
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

beforeAll(async () => {
  const scratch = scratchFolder();
  const database = (databaseFile = path.join(scratch, 'catalogue.db'));
  copyFileSync(path.join(inject('runFolder'), 'seeded.db'), database);
  api = await startServer(loadConfig({ DATABASE_PATH: database, PORT: '0', SEEDS: 'off', LOG_LEVEL: 'warn', OUTBOX_DIR: path.join(scratch, 'outbox') }));
  apiOrigin = new URL(api.url).origin;

  const closed = createServer();
  closedPort = await listen(closed);
  await new Promise((resolve) => closed.close(resolve));

  host = createServer((request, response) => {
    if (request.url !== '/') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(hostPage());
  });
  hostOrigin = `http://127.0.0.1:${await listen(host)}`;

  // The routes and CORS are checked by fetch without a browser; the widget needs one.
  if (noBrowser) return;
  browser = await chromium.launchPersistentContext(path.join(scratch, 'chromium-profile'), {
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    colorScheme: 'light',
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/graphql') graphqlPosts.push(request.url());
  });
  await page.goto(`${hostOrigin}/`);
  await Promise.all(['trending', 'organization', 'search', 'refused', 'unreachable', 'nothing', 'too-many', 'dark', 'light', 'related', 'related-unknown'].map(loaded));
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (host ? host.close(resolve) : resolve(undefined)));
  await api?.close();
});

describe.skipIf(noBrowser)('<paper-list> on a page of another origin', () => {
  it('loads embed.js and posts to the /graphql of the origin the script came from', () => {
    expect(apiOrigin).not.toBe(hostOrigin);
    expect(graphqlPosts.length).toBeGreaterThan(0);
    expect(graphqlPosts.filter((url) => !url.includes(`:${closedPort}/`)).every((url) => url === `${apiOrigin}/graphql`)).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('trending="WEEK" limit="5" shows the API’s trending papers of the week, in order, with authors, organization and upvotes', async () => {
    const { trendingPapers } = await data<{ trendingPapers: { nodes: Paper[] } }>(
      `query($first: Int) { trendingPapers(window: WEEK, first: $first) { nodes { ${PAPER} } } }`,
      { first: 5 },
    );
    expect(trendingPapers.nodes).toHaveLength(5);
    const papers = await shown('trending');
    expect(papers.map((p) => [p.url, p.title])).toEqual(trendingPapers.nodes.map((p) => [p.url, p.title]));
    expect(papers.map((p) => p.url)).toEqual(trendingPapers.nodes.map((p) => `https://arxiv.org/abs/${p.arxivId}`));
    papers.forEach((shownPaper, i) => {
      const paper = trendingPapers.nodes[i]!;
      const names = paper.authors.slice(0, 3).map((a) => a.name).join(', ');
      expect(shownPaper.authors.startsWith(names)).toBe(true);
      expect(shownPaper.organization).toBe(paper.organization?.name ?? null);
      expect(shownPaper.upvotes).toBe(`▲ ${paper.upvotes} upvote${paper.upvotes === 1 ? '' : 's'}`);
    });
  });

  it('organization="nvidia" limit="3" shows that organization’s papers as the API lists them', async () => {
    const { organization } = await data<{ organization: { name: string; papers: { nodes: Paper[] } } }>(
      '{ organization(slug: "nvidia") { name papers(first: 3) { nodes { arxivId title url } } } }',
    );
    expect(organization.papers.nodes).toHaveLength(3);
    expect((await shown('organization')).map((p) => [p.url, p.title])).toEqual(organization.papers.nodes.map((p) => [p.url, p.title]));
    await expect(widget('organization').getByRole('heading').textContent()).resolves.toBe(`Latest papers from ${organization.name}`);
  });

  it('query="kolmogorov" shows the search results with the highlight as <mark> elements, not as text', async () => {
    const { searchPapers } = await data<{ searchPapers: { edges: { titleHighlight: string; node: Paper }[] } }>(
      '{ searchPapers(query: "kolmogorov", first: 10) { edges { titleHighlight node { arxivId title url } } } }',
    );
    const papers = await shown('search');
    expect(papers.map((p) => [p.url, p.title])).toEqual(searchPapers.edges.map((e) => [e.node.url, e.node.title]));
    expect(papers.map((p) => p.marks)).toEqual(searchPapers.edges.map((e) => [...e.titleHighlight.matchAll(/<mark>(.*?)<\/mark>/gu)].map((m) => m[1])));
    expect(papers.flatMap((p) => p.marks).map((m) => m?.toLowerCase())).toContain('kolmogorov');
    expect(papers.some((p) => p.title?.includes('<mark>') || p.title?.includes('&lt;'))).toBe(false);
  });

  it('related="2310.05869" shows Paper.related of that paper, in order, each with why; an organization does not narrow it', async () => {
    const { paper } = await data<{ paper: { title: string; related: { edges: { because: { summary: string }; node: Paper }[] } } }>(
      `{ paper(arxivId: "2310.05869") { title related(first: 4) { edges { because { summary } node { ${PAPER} } } } } }`,
    );
    expect(paper.related.edges).toHaveLength(4);
    const papers = await shown('related');
    expect(papers.map((p) => [p.url, p.title, p.because])).toEqual(paper.related.edges.map((e) => [e.node.url, e.node.title, `Why: ${e.because.summary}`]));
    await expect(widget('related').getByRole('heading').textContent()).resolves.toBe(`Papers related to “${paper.title}”`);
    // The terms the reader is shown are in both papers.
    const sqlite = new Sqlite(databaseFile, { readonly: true });
    const texts = paperTexts(sqlite);
    sqlite.close();
    const terms = papers.flatMap((p) => quotedTerms(p.because!).map((term) => [term, p.url.replace('https://arxiv.org/abs/', '')] as const));
    expect(terms.length).toBeGreaterThanOrEqual(4);
    for (const [term, arxivId] of terms) expect(hasTerm(texts.get('2310.05869')!, term) && hasTerm(texts.get(arxivId)!, term), `${term} in 2310.05869 and ${arxivId}`).toBe(true);
    // Other lists say no why.
    expect((await shown('trending')).every((p) => p.because === null)).toBe(true);
    await expect(widget('related-unknown').getByRole('status').textContent()).resolves.toBe('No paper “2611.00000”.');
  });

  it('shows the API’s refusal of a query in an alert', async () => {
    const refused = await graphql('{ searchPapers(query: "-only") { totalCount } }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const alert = widget('refused').getByRole('alert');
    await expect(alert.textContent()).resolves.toBe(`Could not load papers: ${refused.errors![0]!.message}`);
    await expect(widget('refused').locator('ol').count()).resolves.toBe(0);
  });

  it('shows an alert when the API cannot be reached or an attribute cannot work, and an empty state when nothing matches', async () => {
    await expect(widget('unreachable').getByRole('alert').textContent()).resolves.toBe('Could not load papers: Could not reach the paper catalogue.');
    await expect(widget('too-many').getByRole('alert').textContent()).resolves.toBe('limit must be a whole number from 1 to 100, not "500"');
    await expect(widget('nothing').getByRole('status').textContent()).resolves.toBe('No papers found.');
    await expect(widget('nothing').getByRole('alert').count()).resolves.toBe(0);
  });

  it('is a named region holding an <ol>, and every link has text', async () => {
    const region = widget('trending').getByRole('region', { name: 'Trending papers this week' });
    await expect(region.count()).resolves.toBe(1);
    await expect(region.getByRole('list').evaluate((list) => list.tagName)).resolves.toBe('OL');
    await expect(region.getByRole('listitem').count()).resolves.toBe(5);
    const links = await page.getByRole('link').count();
    expect(links).toBeGreaterThanOrEqual(5 + 3 + 4 + 2);
    await expect(page.getByRole('link', { name: /\S/u }).count()).resolves.toBe(links);
    for (const id of ['organization', 'search', 'refused', 'nothing']) await expect(widget(id).getByRole('region').count()).resolves.toBe(1);
  });

  it('re-renders when attributes change: busy while loading, one request for several changes', async () => {
    const before = graphqlPosts.length;
    const busy = await widget('organization').evaluate(async (element) => {
      element.setAttribute('organization', 'google');
      element.setAttribute('limit', '2');
      await Promise.resolve(); // the widget starts loading in a microtask
      const section = element.shadowRoot!.querySelector('section')!;
      return [section.getAttribute('aria-busy'), section.textContent];
    });
    expect(busy[0]).toBe('true');
    expect(busy[1]).toContain('Loading papers…');
    await loaded('organization');
    const { organization } = await data<{ organization: { name: string; papers: { nodes: Paper[] } } }>(
      '{ organization(slug: "google") { name papers(first: 2) { nodes { arxivId title url } } } }',
    );
    expect((await shown('organization')).map((p) => [p.url, p.title])).toEqual(organization.papers.nodes.map((p) => [p.url, p.title]));
    await expect(widget('organization').getByRole('heading').textContent()).resolves.toBe(`Latest papers from ${organization.name}`);
    expect(graphqlPosts.length - before).toBe(1);
  });

  it('follows theme: dark and light are fixed, auto follows prefers-color-scheme', async () => {
    expect(await backgroundLuminance('dark')).toBeLessThan(0.2);
    expect(await backgroundLuminance('light')).toBeGreaterThan(0.8);
    expect(await backgroundLuminance('trending')).toBeGreaterThan(0.8);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await backgroundLuminance('trending')).toBeLessThan(0.2);
    expect(await backgroundLuminance('light')).toBeGreaterThan(0.8);
    await page.emulateMedia({ colorScheme: 'light' });
  });
});

describe('embed routes and CORS', () => {
  it('serves embed.js as a cacheable script for any origin, and /embed as a page; other methods are refused', async () => {
    const script = await fetch(`${apiOrigin}/embed.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(script.headers.get('access-control-allow-origin')).toBe('*');
    // With an Origin, yoga's CORS plugin (which sees every response) answers for that origin instead.
    const fromElsewhere = await fetch(`${apiOrigin}/embed.js`, { headers: { origin: hostOrigin } });
    expect([hostOrigin, '*']).toContain(fromElsewhere.headers.get('access-control-allow-origin'));
    expect(script.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(await script.text()).toContain("customElements.define('paper-list'");
    const again = await fetch(`${apiOrigin}/embed.js`, { headers: { 'if-none-match': script.headers.get('etag')! } });
    expect(again.status).toBe(304);

    const demo = await fetch(`${apiOrigin}/embed`);
    expect(demo.status).toBe(200);
    expect(demo.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await demo.text()).toContain(`&lt;script type=&quot;module&quot; src=&quot;${apiOrigin}/embed.js&quot;&gt;&lt;/script&gt;`);

    expect((await fetch(`${apiOrigin}/embed.js`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${apiOrigin}/embed.jsx`)).status).toBe(404);
  });

  it('answers CORS on /graphql for another origin: the preflight and the POST', async () => {
    const preflight = await fetch(api.url, {
      method: 'OPTIONS',
      headers: { origin: hostOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.ok).toBe(true);
    expect([hostOrigin, '*']).toContain(preflight.headers.get('access-control-allow-origin'));
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');

    const post = await fetch(api.url, {
      method: 'POST',
      headers: { origin: hostOrigin, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ trendingPapers(first: 1) { totalCount } }' }),
    });
    expect(post.status).toBe(200);
    expect([hostOrigin, '*']).toContain(post.headers.get('access-control-allow-origin'));
  });
});

describe.skipIf(noBrowser)('the demo page /embed', () => {
  it('shows the five examples, and is kept as a screenshot in both colour schemes', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.goto(`${apiOrigin}/embed`);
    const widgets = page.locator('paper-list');
    await expect(widgets.count()).resolves.toBe(5);
    for (let i = 0; i < 5; i += 1) await widgets.nth(i).locator('section[aria-busy="false"] ol').waitFor();
    await expect(page.getByRole('alert').count()).resolves.toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'embed.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(ARTIFACTS, 'embed-dark.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
