// Atom feeds and the plain links of digest mail, through the whole server.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { addDays, periodContaining } from '../src/catalogue/dates.ts';
import { loadConfig } from '../src/config.ts';
import { allArxivIds, client, ENGINE } from './helpers.ts';
import { oraclePapers, type OraclePaper } from './oracle.ts';
import { hasTerm, paperTexts, quotedTerms } from './texts.ts';

const api = client();
const get = (path: string, headers: Record<string, string> = {}) => api.app.fetch(`http://test${path}`, { headers });
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['entry', 'author', 'category', 'link'].includes(name) });
const latest = (): string => [...oraclePapers().values()].map((p) => p.listedOn).sort().at(-1)!;

/** "2026-W26", computed the textbook way: the week's Thursday decides the year. */
function isoWeek(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 4 - (date.getUTCDay() || 7));
  const week = Math.ceil(((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

interface Link {
  '@rel': string;
  '@type': string;
  '@href': string;
}

interface Entry {
  id: string;
  title: string;
  updated: string;
  published: string;
  author?: { name: string }[];
  category?: { '@term': string }[];
  link: Link[];
  summary: string;
}

async function feed(path: string): Promise<{ response: Response; feed: { id: string; updated: string; entry?: Entry[]; title: string; link: Link[] } }> {
  const response = await get(path);
  expect(response.status, await response.clone().text()).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
  const parsed = parser.parse(await response.text());
  return { response, feed: parsed.feed };
}

/** The span's most upvoted papers (100 at most), newest listing first, as the data says. */
function expected(start: string, end: string, match: (p: OraclePaper) => boolean = () => true): OraclePaper[] {
  return [...oraclePapers().values()]
    .filter((p) => p.listedOn >= start && p.listedOn <= end && match(p))
    .sort((a, b) => b.upvotes - a.upvotes || (a.arxivId < b.arxivId ? -1 : 1))
    .slice(0, 100)
    .sort((a, b) => (a.listedOn === b.listedOn ? b.upvotes - a.upvotes : a.listedOn < b.listedOn ? 1 : -1));
}

describe('Atom feeds', () => {
  it('daily.atom holds the most upvoted papers of the week up to the latest listing day, with their listing day as updated', async () => {
    const { feed: daily } = await feed('/feeds/daily.atom');
    const papers = expected(addDays(latest(), -6), latest());
    expect(daily.entry!.map((e) => e.id)).toEqual(papers.map((p) => `https://arxiv.org/abs/${p.arxivId}`));
    expect(daily.entry!.map((e) => e.updated)).toEqual(papers.map((p) => `${p.listedOn}T00:00:00Z`));
    expect(daily.updated).toBe(`${latest()}T00:00:00Z`);
    const first = daily.entry![0]!;
    expect(first.title).toBe(papers[0]!.title);
    expect(first.published).toBe(`${papers[0]!.publishedAt}T00:00:00Z`);
    expect(first.author!.map((a) => a.name)).toEqual(papers[0]!.authors);
  });

  it('weekly.atom and monthly.atom span 4 weeks and 3 months, and narrow by organization and query', async () => {
    const week = periodContaining('WEEK', latest());
    const weekly = expected(addDays(week.start, -21), week.end, (p) => p.org === 'nvidia');
    const { feed: nvidia } = await feed('/feeds/weekly.atom?organization=nvidia');
    expect(nvidia.entry!.map((e) => e.id)).toEqual(weekly.map((p) => `https://arxiv.org/abs/${p.arxivId}`));
    expect(nvidia.entry!.every((e) => e.category?.[0]?.['@term'] === 'nvidia')).toBe(true);

    const { feed: monthly } = await feed('/feeds/monthly.atom?q=kolmogorov');
    const months = expected('2026-04-01', '2026-06-30', (p) => /kolmogorov/iu.test(`${p.title} ${p.abstract}`));
    expect(monthly.entry?.map((e) => e.id) ?? []).toEqual(months.map((p) => `https://arxiv.org/abs/${p.arxivId}`));
    expect(monthly.title).toContain('kolmogorov');
  });

  it('answers If-None-Match with 304, and caches for 15 minutes', async () => {
    const { response } = await feed('/feeds/daily.atom');
    const etag = response.headers.get('etag')!;
    expect(response.headers.get('cache-control')).toBe('public, max-age=900');
    expect(response.headers.get('last-modified')).toBe(new Date(`${latest()}T00:00:00Z`).toUTCString());
    const again = await get('/feeds/daily.atom', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await get('/feeds/daily.atom?organization=google', { 'if-none-match': etag })).status).toBe(200);
  });

  it('says what is wrong with an unknown feed or an unusable query', async () => {
    expect((await get('/feeds/hourly.atom')).status).toBe(404);
    const bad = await get('/feeds/daily.atom?q=-only');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('only excludes');
  });

  it('refuses a q that searchPapers would refuse, counted the same way', async () => {
    const q = 'a* OR b* OR c* OR d*';
    const refused = await get(`/feeds/monthly.atom?q=${encodeURIComponent(q)}`);
    expect(refused.status).toBe(400);
    const message = await refused.text();
    // searchPapers with a page of one: its search's nodes, and one.
    const { errors } = await (await api.app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ searchPapers(query: ${JSON.stringify(q)}, first: 1) { totalCount } }` }) })).json();
    expect(errors[0].extensions.code).toBe('QUERY_TOO_COSTLY');
    expect(message).toContain(`q asks for up to ${errors[0].extensions.requestedNodes - 1} nodes`);
    expect(message).toContain('at most 100000 are allowed');
    expect((await get(`/feeds/monthly.atom?q=${encodeURIComponent('diffus* model')}`)).status).toBe(200);
  });

  it('answers 404 naming the organizations it does not know, on every feed, as the API refuses the slug', async () => {
    // Digest subscriptions are kept on SQLite only, so far.
    if (ENGINE === 'sqlite') {
      const refused = await api.query('mutation { subscribeToDigest(input: { email: "a@example.org", period: DAY, organizations: ["nope"] }) { __typename } }');
      expect(refused.errors?.[0]?.message).toContain('"nope"');
    }
    await expect(api.data('{ organization(slug: "nope") { name } }')).resolves.toEqual({ organization: null });
    for (const name of ['daily.atom', 'weekly.atom', 'monthly.atom']) {
      const response = await get(`/feeds/${name}?organization=nope`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await response.text()).toBe('unknown organization: "nope" (organization= takes a slug, as Query.organization(slug:) does)\n');
    }
    const some = await get('/feeds/daily.atom?organization=nvidia&organization=nope&organization=no-such-lab');
    expect(some.status).toBe(404);
    expect(await some.text()).toMatch(/^unknown organizations: "nope", "no-such-lab" /u);
  });

  it('titles a narrowed feed with the organizations’ names, not their slugs', async () => {
    const { nvidia, google } = await api.data<{ nvidia: { name: string }; google: { name: string } }>(
      '{ nvidia: organization(slug: "nvidia") { name } google: organization(slug: "google") { name } }',
    );
    expect(nvidia.name).not.toBe('nvidia');
    const { feed: one } = await feed('/feeds/weekly.atom?organization=NVIDIA');
    expect(one.title).toBe(`Weekly papers from ${nvidia.name}`);
    const { feed: two } = await feed('/feeds/daily.atom?organization=nvidia&organization=google&organization=nvidia&q=video');
    expect(two.title).toBe(`Daily papers from ${nvidia.name}, ${google.name}, matching “video”`);
  });

  it('links each feed to its page for people: Hugging Face’s list of the latest day, week or month; each entry to its paper', async () => {
    const day = latest();
    const pages = {
      'daily.atom': `https://huggingface.co/papers/date/${day}`,
      'weekly.atom': `https://huggingface.co/papers/week/${isoWeek(day)}`,
      'monthly.atom': `https://huggingface.co/papers/month/${day.slice(0, 7)}`,
    };
    for (const [name, page] of Object.entries(pages)) {
      for (const query of ['', '?organization=nvidia']) {
        const { feed: parsed } = await feed(`/feeds/${name}${query}`);
        const local = (href: string) => (href.startsWith('https://huggingface.co/') ? href : `${new URL(href).pathname}${new URL(href).search}`);
        expect(parsed.link.map((l) => [l['@rel'], l['@type'], local(l['@href'])])).toEqual([
          ['self', 'application/atom+xml', `/feeds/${name}${query}`],
          ['alternate', 'text/html', page],
        ]);
        expect(parsed.entry!.every((e) => e.link.length === 1 && e.link[0]!['@rel'] === 'alternate' && e.link[0]!['@href'] === e.id)).toBe(true);
      }
    }
  });
});

describe('the feed of one period, ?date=', () => {
  /** The period's papers, all of them, most upvoted first (ties by arXiv id), as its digest lists them. */
  const periodPapers = (period: 'DAY' | 'WEEK' | 'MONTH', day: string, match: (p: OraclePaper) => boolean = () => true) => {
    const { start, end } = periodContaining(period, day);
    return [...oraclePapers().values()].filter((p) => p.listedOn >= start && p.listedOn <= end && match(p)).sort((a, b) => b.upvotes - a.upvotes || (a.arxivId < b.arxivId ? -1 : 1));
  };
  const ids = (papers: OraclePaper[]) => papers.map((p) => `https://arxiv.org/abs/${p.arxivId}`);
  /** Every paper of a connection field (searchPapers, recommendedPapers), page after page, as entry ids. */
  const allPages = async (field: string, declared: string, args: string, variables: Record<string, unknown>) =>
    (await allArxivIds((q, v) => api.data(q, v), field, declared, args, variables)).map((id) => `https://arxiv.org/abs/${id}`);
  // A week of the catalogue with more papers than a feed of the latest span holds (100), older than its 4 weeks.
  const WEEK = '2026-05-13';

  it('holds all the papers of the day, ISO week or month that contains the date, most upvoted first, whichever day of it is given', async () => {
    expect(periodContaining('WEEK', WEEK).end < addDays(periodContaining('WEEK', latest()).start, -21)).toBe(true);
    for (const [name, period, day] of [['daily.atom', 'DAY', '2026-05-13'], ['weekly.atom', 'WEEK', WEEK], ['monthly.atom', 'MONTH', WEEK]] as const) {
      const papers = periodPapers(period, day);
      const { feed: dated } = await feed(`/feeds/${name}?date=${day}`);
      expect(dated.entry!.map((e) => e.id), name).toEqual(ids(papers));
      const { start, end } = periodContaining(period, day);
      for (const other of [start, end]) expect((await feed(`/feeds/${name}?date=${other}`)).feed.entry!.map((e) => e.id)).toEqual(ids(papers));
    }
    expect(periodPapers('WEEK', WEEK).length).toBeGreaterThan(200);
    expect(periodPapers('MONTH', WEEK).length).toBeGreaterThan(600);
  });

  it('says its period in its title and links Hugging Face’s page of that period', async () => {
    const { feed: weekly } = await feed(`/feeds/weekly.atom?date=${WEEK}&organization=nvidia`);
    const { nvidia } = await api.data<{ nvidia: { name: string } }>('{ nvidia: organization(slug: "nvidia") { name } }');
    expect(weekly.title).toBe(`Weekly papers 2026-05-11 to 2026-05-17 from ${nvidia.name}`);
    expect(weekly.entry!.map((e) => e.id)).toEqual(ids(periodPapers('WEEK', WEEK, (p) => p.org === 'nvidia')));
    expect(weekly.link.find((l) => l['@rel'] === 'alternate')!['@href']).toBe(`https://huggingface.co/papers/week/${isoWeek(WEEK)}`);
    const { feed: daily } = await feed('/feeds/daily.atom?date=2026-05-13');
    expect(daily.title).toBe('Daily papers 2026-05-13');
    expect(daily.link.find((l) => l['@rel'] === 'alternate')!['@href']).toBe('https://huggingface.co/papers/date/2026-05-13');
    const { feed: monthly } = await feed('/feeds/monthly.atom?date=2026-05-13&q=diffusion');
    expect(monthly.title).toBe('Monthly papers 2026-05-01 to 2026-05-31 matching “diffusion”');
    // The search's own reading of the words (stems, keywords): the API's, most upvoted first.
    const searched = await allPages('searchPapers', '$filter: PaperFilter', 'query: "diffusion", orderBy: UPVOTES, filter: $filter', { filter: { listed: { from: '2026-05-01', to: '2026-05-31' } } });
    expect(searched.length).toBeGreaterThan(30);
    expect(monthly.entry!.map((e) => e.id)).toEqual(searched);
    expect(monthly.link.find((l) => l['@rel'] === 'alternate')!['@href']).toBe('https://huggingface.co/papers/month/2026-05');
  });

  it('with ?liked= holds all the period’s papers like them, as recommendedPapers ranks them', async () => {
    const { start, end } = periodContaining('MONTH', latest());
    const [a, b] = periodPapers('MONTH', latest()).map((p) => p.arxivId);
    const { feed: dated } = await feed(`/feeds/monthly.atom?date=${latest()}&liked=${a},${b}`);
    const edges = await allPages('recommendedPapers', '$liked: [ID!]!, $filter: PaperFilter', 'liked: $liked, window: MONTH, filter: $filter', {
      liked: [a!, b!].map((id) => encodeGlobalID('Paper', id)),
      filter: { listed: { from: start, to: end } },
    });
    expect(edges.length).toBeGreaterThan(100);
    expect(dated.entry!.map((e) => e.id)).toEqual(edges);
  });

  it('charges its entries and their authors to the rate limit, as a GraphQL page of them counts, and says so in Request-Cost', async () => {
    // A point a minute: nothing refills during the test.
    const limited = (burst: number) => client(undefined, { config: loadConfig({ LOG_LEVEL: 'silent', EXECUTION_THREADS: '0', RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_BURST: String(burst) }) });
    const rated = limited(1000);
    const fetched = async (path: string) => {
      const response = await rated.app.fetch(`http://test${path}`);
      const entries = (parser.parse(await response.text()).feed.entry ?? []) as Entry[];
      return { response, nodes: entries.length + entries.reduce((sum, e) => sum + (e.author?.length ?? 0), 0) };
    };
    const month = await fetched(`/feeds/monthly.atom?date=${WEEK}`);
    expect(month.nodes).toBeGreaterThan(2000);
    const points = Math.ceil(month.nodes / 1000);
    expect(month.response.headers.get('request-cost')).toBe(String(points));
    expect(month.response.headers.get('ratelimit-remaining')).toBe(String(1000 - points));
    // With q, its search as searchPapers counts it (its nodes, less the page of one).
    const q = 'diffus* model';
    const search = await rated.query(`{ searchPapers(query: ${JSON.stringify(q)}, first: 1) { totalCount } }`);
    const searched = (search.extensions!.cost as { requestedNodes: number }).requestedNodes - 1;
    const matching = await fetched(`/feeds/monthly.atom?date=${WEEK}&q=${encodeURIComponent(q)}`);
    expect(matching.response.headers.get('request-cost')).toBe(String(Math.ceil((matching.nodes + searched) / 1000)));
    // A feed of the latest span is a page of 100, and its authors. A refusal costs the point it took to read.
    const daily = await fetched('/feeds/daily.atom');
    expect(daily.nodes).toBeLessThan(month.nodes / 2);
    expect(daily.response.headers.get('request-cost')).toBe(String(Math.ceil(daily.nodes / 1000)));
    expect((await rated.app.fetch('http://test/feeds/daily.atom?date=never')).headers.get('request-cost')).toBeNull();
    // More than the bucket holds: answered, as its work is done, and the client waits until the debt is paid.
    const small = limited(3);
    const owed = await small.app.fetch(`http://test/feeds/monthly.atom?date=${WEEK}`);
    expect(owed.status).toBe(200);
    expect(owed.headers.get('ratelimit-remaining')).toBe('0');
    const refused = await small.app.fetch('http://test/feeds/daily.atom');
    expect(refused.status).toBe(429);
    // 3 points, less `points` owed, refilled one a minute up to the point a request needs.
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual((points - 3 + 1) * 60 - 1);
    const graphql = await small.query('{ paper(arxivId: "2310.05869") { title } }');
    expect(graphql.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
  });

  it('is empty for a period without papers', async () => {
    const { feed: empty } = await feed('/feeds/weekly.atom?date=2010-01-06');
    expect(empty.title).toBe('Weekly papers 2010-01-04 to 2010-01-10');
    expect(empty.entry).toBeUndefined();
  });

  it.each([
    ['daily.atom?date=2026-5-13', 'date: "2026-5-13" is not a day (date= takes a day such as 2026-06-24, YYYY-MM-DD, and names the day that contains it)'],
    ['weekly.atom?date=2026-02-30', 'date: "2026-02-30" is not a day (date= takes a day such as 2026-06-24, YYYY-MM-DD, and names the ISO week that contains it)'],
    ['monthly.atom?date=yesterday', 'date: "yesterday" is not a day (date= takes a day such as 2026-06-24, YYYY-MM-DD, and names the month that contains it)'],
    ['monthly.atom?date=', 'date: "" is not a day (date= takes a day such as 2026-06-24, YYYY-MM-DD, and names the month that contains it)'],
    ['weekly.atom?date=9999-12-31', 'date: "9999-12-31": its ISO week must lie in the years 1000 to 9999 (1000-01-01 to 9999-12-31)'],
    ['daily.atom?date=0999-12-31', 'date: "0999-12-31": its day must lie in the years 1000 to 9999 (1000-01-01 to 9999-12-31)'],
    ['weekly.atom?date=2026-05-13&date=2026-05-20', 'date is given 2 times: it takes one day, naming one ISO week'],
  ])('refuses /feeds/%s with a 400 naming the parameter and the value', async (path, message) => {
    const response = await get(`/feeds/${path}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).toBe(`${message}\n`);
  });
});

describe('Atom feeds that follow liked papers', () => {
  const texts = paperTexts(api.database.sqlite);
  const RECOMMENDED = `query ($liked: [ID!]!, $disliked: [ID!], $filter: PaperFilter) {
    recommendedPapers(liked: $liked, disliked: $disliked, window: MONTH, filter: $filter, first: 100) { edges { because { summary } node { arxivId } } } }`;
  /** What recommendedPapers answers for the liked papers, over a feed's span (inside the last month, so MONTH does not narrow it). */
  const recommended = async (liked: string[], disliked: string[], from: string, to: string) =>
    (
      await api.data<{ recommendedPapers: { edges: { because: { summary: string }; node: { arxivId: string } }[] } }>(RECOMMENDED, {
        liked: liked.map((id) => encodeGlobalID('Paper', id)),
        disliked: disliked.map((id) => encodeGlobalID('Paper', id)),
        filter: { listed: { from, to } },
      })
    ).recommendedPapers.edges;
  /** Two papers of the last week to like: the two most upvoted. */
  const liked = () => expected(addDays(latest(), -6), latest()).sort((a, b) => b.upvotes - a.upvotes).slice(0, 2).map((p) => p.arxivId);

  it('?liked= ranks the span’s papers as recommendedPapers does, most alike first, and each summary opens with the reason in one line', async () => {
    const [a, b] = liked();
    const { feed: daily } = await feed(`/feeds/daily.atom?liked=${a},${b}`);
    const edges = await recommended([a!, b!], [], addDays(latest(), -6), latest());
    expect(edges.length).toBeGreaterThan(10);
    expect(daily.entry!.map((e) => e.id)).toEqual(edges.map((e) => `https://arxiv.org/abs/${e.node.arxivId}`));
    expect(daily.entry!.map((e) => e.id)).not.toContain(`https://arxiv.org/abs/${a}`);
    expect(daily.entry!.map((e) => e.summary.split('\n')[0])).toEqual(edges.map((e) => `Why: ${e.because.summary}.`));
    // Not the upvote order the feed has without liked papers.
    const { feed: plain } = await feed('/feeds/daily.atom');
    expect(daily.entry!.map((e) => e.id)).not.toEqual(plain.entry!.map((e) => e.id).slice(0, daily.entry!.length));
    expect(daily.title).toBe(`Daily papers like ${a}, ${b}`);
    let terms = 0;
    for (const entry of daily.entry!) {
      const paper = texts.get(entry.id.replace('https://arxiv.org/abs/', ''))!;
      for (const term of quotedTerms(entry.summary.split('\n')[0]!)) {
        expect(hasTerm(paper, term) && (hasTerm(texts.get(a!)!, term) || hasTerm(texts.get(b!)!, term)), `${term} in ${paper.arxivId} and a liked paper`).toBe(true);
        terms++;
      }
    }
    expect(terms).toBeGreaterThan(daily.entry!.length);
  });

  it('takes arXiv ids as people paste them, repeated or comma-separated, and &disliked= ranks papers like those down', async () => {
    const [a, b] = liked();
    const { feed: plain } = await feed(`/feeds/daily.atom?liked=${a},${b}`);
    const { feed: pasted } = await feed(`/feeds/daily.atom?liked=arXiv:${a}v2&liked=${encodeURIComponent(`https://arxiv.org/abs/${b}`)}`);
    expect(plain.entry!.length).toBeGreaterThan(0);
    expect([pasted.title, pasted.entry]).toEqual([plain.title, plain.entry]);
    const { feed: before } = await feed(`/feeds/weekly.atom?liked=${a}`);
    const disliked = before.entry![0]!.id.replace('https://arxiv.org/abs/', '');
    const { feed: after } = await feed(`/feeds/weekly.atom?liked=${a}&disliked=${disliked}`);
    const week = periodContaining('WEEK', latest());
    const edges = await recommended([a!], [disliked], addDays(week.start, -21), week.end);
    expect(after.entry!.map((e) => e.id)).toEqual(edges.map((e) => `https://arxiv.org/abs/${e.node.arxivId}`));
    expect(after.entry!.map((e) => e.id)).not.toContain(before.entry![0]!.id);
  });

  it('narrows by organization and search as without liked papers', async () => {
    const [a] = liked();
    const { feed: narrowed } = await feed(`/feeds/weekly.atom?liked=${a}&organization=nvidia&q=model`);
    const week = periodContaining('WEEK', latest());
    const allowed = new Set(expected(addDays(week.start, -21), week.end, (p) => p.org === 'nvidia' && /\bmodel/iu.test(`${p.title} ${p.abstract}`)).map((p) => p.arxivId));
    expect(narrowed.entry!.length).toBeGreaterThan(0);
    for (const entry of narrowed.entry!) expect(allowed.has(entry.id.replace('https://arxiv.org/abs/', '')), entry.id).toBe(true);
  });

  const some = (from: number) => [...oraclePapers().keys()].slice(from, from + 51).join(',');
  it.each([
    ['liked=nonsense', /^liked: "nonsense" is not an arXiv id/u],
    ['liked=2310.05869,2611.00000', /^liked: no paper 2611\.00000 in the catalogue/u],
    ['disliked=2310.05869', /^liked is empty: disliked papers rank nothing/u],
    ['liked=2310.05869&disliked=2310.05869v1', /^disliked names a paper that is liked too: 2310\.05869/u],
    ['liked=<51 ids>', /^liked holds 51 ids; at most 50 are allowed/u],
    ['liked=2310.05869&disliked=<51 ids>', /^disliked holds 51 ids; at most 50 are allowed/u],
  ])('refuses ?%s with a 400 naming the parameter and the value', async (query, message) => {
    const response = await get(`/feeds/weekly.atom?${query.replace('<51 ids>', some(1))}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).toMatch(message);
  });
});

describe('digest links', () => {
  it('shows a page for unknown or missing tokens, and refuses methods other than GET and POST', async () => {
    const unknown = await get('/digest/confirm?token=abc');
    expect(unknown.status).toBe(410);
    expect(await unknown.text()).toContain('Link no longer valid');
    expect((await get('/digest/unsubscribe')).status).toBe(400);
    const post = await api.app.fetch('http://test/digest/confirm?token=abc', { method: 'POST' });
    expect(post.status).toBe(410);
    const put = await api.app.fetch('http://test/digest/confirm?token=abc', { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
  });
});
