// No request stalls the others: expensive queries run in execution threads
// (src/graphql/execution-threads.ts), through a real port, and give exactly
// the answers the main thread gives.
import { execFile } from 'node:child_process';
import { copyFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startServer, type Running } from '../src/server.ts';
import { client, scratchFolder, seededCatalogue } from './helpers.ts';

/**
 * A search whose ranking is one FTS statement of a few hundred ms on the
 * bundled papers: 17 one-letter prefixes, which the node limit refuses
 * (each starts 1,000 words or so), so the servers here raise the limit.
 */
const PREFIX_SEARCH = `{ searchPapers(query: "${[...'abcdefghilmnoprst'].map((letter) => `${letter}*`).join(' OR ')}", first: 100) { totalCount edges { node { title } } } }`;
const UNLIMITED = { MAX_QUERY_NODES: '1000000000' };

const EXPENSIVE = {
  trending: `{ trendingPapers(window: ALL, first: 50) { asOf window edges { score node { arxivId title upvotes authors { name } organization { name } } } } }`,
  nested: `query($n: Int = 4) { organizations(first: $n) { totalCount nodes { slug papers(first: 10) { nodes { title authors { name papers(first: 2) { nodes { arxivId } } } } } } } }`,
  search: `{ searchPapers(query: "diffusion model", first: 40) { totalCount edges { score titleHighlight node { arxivId authors { name } } } } }`,
  // Errors inside a thread: located in the document as on the main thread.
  errors: `{ trendingPapers(first: 20) { nodes { title authors { name } } }
    missing: paper(arxivId: "not an id") { title }
    bad: organization(slug: "nvidia") { papers(first: 2, after: "nonsense") { nodes { title } } } }`,
};

async function started(env: Record<string, string>): Promise<Running> {
  const file = path.join(scratchFolder(), 'catalogue.db');
  const seeded = seededCatalogue();
  copyFileSync(seeded.sqlite.name, file);
  seeded.close();
  return startServer(loadConfig({ DATABASE_PATH: file, PORT: '0', SEEDS: 'off', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0', RESPONSE_CACHE_TTL_MS: '0', ...env }));
}

const post = (running: Running, query: string) =>
  fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });

const metric = async (running: Running, name: string): Promise<number> => {
  const text = await (await fetch(new URL('/metrics', running.url))).text();
  return Number(new RegExp(`^${name} (\\d+)`, 'mu').exec(text)?.[1] ?? NaN);
};

describe('execution threads', () => {
  it('answer exactly as the main thread does, with the same statements', async () => {
    const database = seededCatalogue();
    const config = (threads: string) => loadConfig({ RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent', RESPONSE_CACHE_TTL_MS: '0', EXECUTION_THREADS: threads });
    const inline = client(database, { config: config('0') });
    const threaded = client(database, { config: config('1') });
    for (const [name, query] of Object.entries(EXPENSIVE)) {
      let expected: unknown;
      const inlineStatements = await inline.statements(async () => (expected = await inline.query(query)));
      let answered: unknown;
      const threadedStatements = await threaded.statements(async () => (answered = await threaded.query(query)));
      expect(answered, name).toEqual(expected);
      expect(threadedStatements, name).toBe(inlineStatements);
    }
    // Every one of them was answered by a thread, not by the main thread.
    const metrics = await (await threaded.app.fetch('http://test/metrics')).text();
    expect(metrics).toMatch(new RegExp(`^graphql_execution_threads_answered_total ${Object.keys(EXPENSIVE).length}$`, 'mu'));
    expect((await inline.query(EXPENSIVE.errors)).errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
  });

  describe('through a real port', () => {
    let running: Running;
    beforeAll(async () => {
      running = await started({ EXECUTION_THREADS: '1', ...UNLIMITED });
    });
    afterAll(() => running.close());

    it('keep cheap requests answered while an expensive one runs', async () => {
      await (await post(running, PREFIX_SEARCH)).json(); // the thread started and warm
      let expensiveDone = false;
      const expensive = post(running, PREFIX_SEARCH).then(async (response) => {
        const body = await response.json();
        expensiveDone = true;
        return body;
      });
      let answeredMeanwhile = 0;
      while (!expensiveDone) {
        const [health, lookup] = await Promise.all([fetch(new URL('/health', running.url)), post(running, '{ paper(arxivId: "2310.05869") { title } }')]);
        expect(health.status).toBe(200);
        expect((await lookup.json()).data.paper.title).toBeTypeOf('string');
        if (!expensiveDone) answeredMeanwhile++;
      }
      expect((await expensive).data.searchPapers.totalCount).toBeGreaterThan(1000);
      // On the main thread, the lookups would wait for the search: none would come back before it.
      expect(answeredMeanwhile).toBeGreaterThanOrEqual(3);
    });
  });

  it('answer 503 at the deadline even inside one SQL statement, and the thread is replaced', async () => {
    const running = await started({ EXECUTION_THREADS: '1', REQUEST_TIMEOUT_MS: '20', ...UNLIMITED });
    try {
      const answer = await post(running, PREFIX_SEARCH);
      expect(answer.status).toBe(503);
      expect((await answer.json()).errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['REQUEST_TIMEOUT']);
      // The statement was cut off by the main thread, which replaced the thread that ran it.
      expect(await metric(running, 'graphql_execution_threads_replaced_total')).toBe(1);
      // The new thread, once started and warm (its first query compiles), answers what fits in the time.
      while ((await metric(running, 'graphql_execution_threads_ready')) < 1) await new Promise((resolve) => setTimeout(resolve, 50));
      let next: Response | undefined;
      for (let attempt = 0; attempt < 10 && next?.status !== 200; attempt++) next = await post(running, '{ trendingPapers(first: 5) { nodes { title authors { name } } } }');
      expect(next!.status).toBe(200);
      expect((await next!.json()).data.trendingPapers.nodes).toHaveLength(5);
      expect(await metric(running, 'graphql_execution_threads_replaced_total')).toBe(1);
    } finally {
      await running.close();
    }
  });

  it('answer under the response cache: stored once, then served from it, with no warning', async () => {
    const running = await started({ EXECUTION_THREADS: '1', RESPONSE_CACHE_TTL_MS: '60000' });
    const warned: unknown[][] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((...args) => void warned.push(args));
    try {
      const first = await post(running, EXPENSIVE.search);
      const body = await first.text();
      expect(JSON.parse(body).data.searchPapers.totalCount).toBeGreaterThan(100);
      expect(await metric(running, 'graphql_execution_threads_answered_total')).toBe(1);
      const again = await post(running, EXPENSIVE.search);
      expect(await again.text()).toBe(body);
      // The second came from the cache: the thread answered once.
      expect(await metric(running, 'graphql_execution_threads_answered_total')).toBe(1);
      expect(warned).toEqual([]);
    } finally {
      warn.mockRestore();
      await running.close();
    }
  });

  it('never keep a process alive once its work is done', async () => {
    // A script that answers an expensive query in process (createApp, as the bench does) and then has nothing left to do.
    const file = path.join(scratchFolder(), 'catalogue.db');
    const seeded = seededCatalogue();
    copyFileSync(seeded.sqlite.name, file);
    seeded.close();
    const src = path.resolve(import.meta.dirname, '../src');
    const script = `
      import { openCatalogue } from '${src}/catalogue/index.ts';
      import { loadConfig } from '${src}/config.ts';
      import { createApp } from '${src}/yoga.ts';
      const database = openCatalogue(${JSON.stringify(file)});
      const app = createApp(database, { config: loadConfig({ RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent', EXECUTION_THREADS: '1', RESPONSE_CACHE_TTL_MS: '0' }) });
      const response = await app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: ${JSON.stringify(EXPENSIVE.search)} }) });
      const text = await (await app.fetch('http://test/metrics')).text();
      console.log(response.status, /^graphql_execution_threads_answered_total 1$/m.test(text));
      database.close();
    `;
    const scriptFile = path.join(path.dirname(file), 'in-process.mts');
    writeFileSync(scriptFile, script);
    // Exits by itself, or is killed at the time-out and fails.
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', scriptFile], { timeout: 20_000 });
    expect(stdout.trim()).toBe('200 true');
  });

  it('answer the feeds and the daily-papers API\'s lists exactly as the main thread does, 304s, HEADs and refusals included', async () => {
    const env = { PUBLIC_URL: 'http://feeds.test', RESPONSE_CACHE_TTL_MS: '0' };
    const [threaded, inline] = await Promise.all([started({ EXECUTION_THREADS: '1', ...env }), started({ EXECUTION_THREADS: '0', ...env })]);
    try {
      const paths = ['/feeds/daily.atom', '/feeds/monthly.atom?q=diffusion', '/feeds/weekly.atom?organization=nvidia', '/feeds/monthly.atom?date=2026-05-13', '/feeds/daily.atom?q=-only', `/feeds/monthly.atom?q=${encodeURIComponent('a* OR b* OR c* OR d*')}`, '/feeds/hourly.atom', '/feeds/weekly.atom?organization=nowhere', '/api/daily_papers?month=2026-05&sort=trending&limit=100', '/api/daily_papers?week=2026-W99'];
      // One paper is a lookup: the main thread's.
      const lookups = ['/api/papers/2310.05869', '/api/papers/%E0'];
      const answer = async (running: Running, path: string, init?: RequestInit) => {
        const response = await fetch(new URL(path, running.url), init);
        return { status: response.status, type: response.headers.get('content-type'), etag: response.headers.get('etag'), cost: response.headers.get('request-cost'), body: await response.text() };
      };
      const statuses: number[] = [];
      for (const path of paths) {
        const given = await answer(threaded, path);
        expect(given, path).toEqual(await answer(inline, path));
        if (given.status === 200 && path.startsWith('/feeds/')) expect(given.cost, path).toMatch(/^[1-9]\d*$/u);
        statuses.push(given.status);
      }
      for (const path of lookups) {
        const given = await answer(threaded, path);
        expect(given, path).toEqual(await answer(inline, path));
        statuses.push(given.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 400, 400, 404, 404, 200, 400, 200, 400]);
      expect((await answer(threaded, paths[3]!)).body.match(/<entry>/gu)!.length).toBeGreaterThan(20);
      expect(JSON.parse((await answer(threaded, paths[8]!)).body)).toHaveLength(100);
      const { etag } = await answer(threaded, '/feeds/daily.atom');
      expect(etag).toMatch(/^"/u);
      const revalidated = await answer(threaded, '/feeds/daily.atom', { headers: { 'if-none-match': etag! } });
      expect(revalidated).toMatchObject({ status: 304, body: '' });
      expect(await answer(threaded, '/feeds/daily.atom', { method: 'HEAD' })).toMatchObject({ status: 200, etag, body: '' });
      // Every one of them answered by the thread, none by the other server's main thread.
      expect(await metric(threaded, 'graphql_execution_threads_answered_total')).toBe(paths.length + 5);
      expect(await metric(inline, 'graphql_execution_threads_answered_total')).toBeNaN();
    } finally {
      await Promise.all([threaded.close(), inline.close()]);
    }
  });

  it('leave mutations and cheap reads on the main thread, but not pages nested in a list', async () => {
    const running = await started({ EXECUTION_THREADS: '1', ...UNLIMITED });
    try {
      const lookup = await (await post(running, '{ paper(arxivId: "2310.05869") { title authors { name } organization { name } } }')).json();
      expect(lookup.data.paper.title).toBeTypeOf('string');
      expect(lookup.extensions.cost.points).toBe(1);
      const mutation = await (await post(running, 'mutation { unsubscribeFromDigest(token: "nope") { ok } }')).json();
      expect(mutation.errors ?? mutation.data).toBeDefined();
      expect(await metric(running, 'graphql_execution_threads_answered_total')).toBe(0);
      const page = await (await post(running, '{ organization(slug: "nvidia") { papers(first: 5) { nodes { title organization { name } } } } }')).json();
      expect(page.data.organization.papers.nodes).toHaveLength(5);
      expect(await metric(running, 'graphql_execution_threads_answered_total')).toBe(0);
      const trending = await (await post(running, EXPENSIVE.trending)).json();
      expect(trending.extensions.cost.points).toBeGreaterThan(1);
      expect(await metric(running, 'graphql_execution_threads_answered_total')).toBe(1);
      // A point, but a page in a list (one statement numbers every paper of each organization): a thread, as
      // is a page nested in a fragment spread in a list.
      const nested = await (await post(running, '{ organizations(first: 3) { nodes { papers(first: 2) { nodes { title } } } } }')).json();
      expect(nested.extensions.cost.points).toBe(1);
      expect(nested.data.organizations.nodes.map((o: { papers: { nodes: unknown[] } }) => o.papers.nodes.length)).toEqual([2, 2, 2]);
      expect(await metric(running, 'graphql_execution_threads_answered_total')).toBe(2);
      const spread = await (await post(running, '{ organizations(first: 2) { nodes { ...Latest } } } fragment Latest on Organization { papers(first: 1) { nodes { title } } }')).json();
      expect(spread.extensions.cost.points).toBe(1);
      expect(await metric(running, 'graphql_execution_threads_answered_total')).toBe(3);
    } finally {
      await running.close();
    }
  });

  it('leave the main thread to answer when they cannot start, as if there were none', async () => {
    const database = seededCatalogue();
    const config = (threads: string) => loadConfig({ RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent', RESPONSE_CACHE_TTL_MS: '0', PUBLIC_URL: 'http://feeds.test', EXECUTION_THREADS: threads });
    const inline = client(database, { config: config('0') });
    const threaded = client(database, { config: config('1') });
    // The main connection stays open on the moved file; a thread opening it by name finds nothing.
    renameSync(database.sqlite.name, `${database.sqlite.name}.moved`);
    const answer = async (api: ReturnType<typeof client>, path: string) => {
      const response = await api.app.fetch(`http://test${path}`);
      return { status: response.status, body: await response.text() };
    };
    // The first expensive query starts the thread, which fails: the query, and the ones after it, run here.
    for (const query of [EXPENSIVE.trending, EXPENSIVE.nested]) expect(await threaded.query(query)).toEqual(await inline.query(query));
    for (const path of ['/feeds/daily.atom', '/feeds/monthly.atom?date=2026-05-13']) {
      const given = await answer(threaded, path);
      expect(given.status, path).toBe(200);
      expect(given, path).toEqual(await answer(inline, path));
    }
    const metrics = await answer(threaded, '/metrics');
    expect(metrics.body).toMatch(/^graphql_execution_threads_ready 0$/mu);
    expect(metrics.body).toMatch(/^graphql_execution_threads_answered_total 0$/mu);
  });
});
