// Atom feeds of the latest lists: /feeds/daily.atom (the last 7 listing
// days), /feeds/weekly.atom (4 ISO weeks), /feeds/monthly.atom (3 months),
// optionally narrowed with ?organization=slug (repeatable) and ?q=search.
// Entries are the most upvoted papers of that span (100 at most), newest
// listing first; each entry's <updated> is its listing day. With
// ?liked=<arXiv id>,… (and &disliked=…) they are the span's papers most like
// the liked ones, as recommendedPapers ranks them, most alike first, each
// summary opening with the reason. An unknown
// organization is a 404, as the API refuses it.
//
// ?date=YYYY-MM-DD makes it the feed of one period instead, the day, ISO week
// or month that contains the date, as digest(period:, date:) does: all of
// that period's papers in the order of its digest mail (most upvoted first,
// or most alike first), which links here for "…and N more". All of them, not
// 100 nor pages: the mail promises the rest, a feed reader reads one document
// and does not follow paging links (RFC 5005), and a period bounds the feed
// (the bundled catalogue's largest month, 631 papers, is a 1.5 MB feed made
// in about 40 ms).
//
// The feed's own page (its rel=alternate, where a reader goes from the
// feed's title) is Hugging Face's list for the latest day, week or month, or
// for the period of ?date=: the upstream of the catalogue, the same papers
// ranked by the same upvotes; this server has no HTML list.
import { createHash } from 'node:crypto';
import type { Catalogue } from '../catalogue/catalogue.ts';
import { addDays, dayStart, FIRST_DAY, inCalendar, isDay, LAST_DAY, monthStart, periodContaining, type Period } from '../catalogue/dates.ts';
import { digestPapers } from '../catalogue/digest-papers.ts';
import { arxivIdFromInput } from '../catalogue/identity.ts';
import type { PaperFilter } from '../catalogue/papers.ts';
import { reasonOf, tasteProblem, tooManyForTaste } from '../catalogue/related.ts';
import { SearchSyntaxError, toMatchExpression } from '../catalogue/search-query.ts';
import { pointsOf, RELATED_NODES, searchNodesIn } from '../http/admission.ts';
import { COST_HEADER } from '../http/limits.ts';
import type { RouteTask } from './catalogue-routes.ts';
import { escapeHtml as xml } from './html.ts';

export const FEED_ENTRIES = 100;

/** "2026-W26": the ISO week holding a day (its year is that of the week's Thursday). */
function isoWeek(day: string): string {
  const thursday = addDays(periodContaining('WEEK', day).start, 3);
  const year = thursday.slice(0, 4);
  const week = Math.floor((dayStart(thursday) - dayStart(`${year}-01-01`)) / 86_400_000 / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

const UPSTREAM = 'https://huggingface.co/papers';

const FEEDS: Record<string, { period: Period; name: string; title: string; span: (latest: string) => { start: string; end: string }; page: (day: string) => string }> = {
  'daily.atom': {
    period: 'DAY',
    name: 'day',
    title: 'Daily papers',
    span: (latest) => ({ start: addDays(latest, -6), end: latest }),
    page: (day) => `${UPSTREAM}/date/${day}`,
  },
  'weekly.atom': {
    period: 'WEEK',
    name: 'ISO week',
    title: 'Weekly papers',
    span: (latest) => ({ start: addDays(periodContaining('WEEK', latest).start, -21), end: periodContaining('WEEK', latest).end }),
    page: (day) => `${UPSTREAM}/week/${isoWeek(day)}`,
  },
  'monthly.atom': {
    period: 'MONTH',
    name: 'month',
    title: 'Monthly papers',
    span: (latest) => ({ start: monthStart(latest, -2), end: periodContaining('MONTH', latest).end }),
    page: (day) => `${UPSTREAM}/month/${day.slice(0, 7)}`,
  },
};

const instant = (day: string): string => `${day}T00:00:00Z`;

interface Taste {
  liked: number[];
  disliked: number[];
  given: { liked: string[]; disliked: string[] };
}

const badRequest = (message: string): Response => new Response(`${message}\n`, { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8' } });
const shown = (value: string): string => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/** ?liked= and ?disliked=: arXiv ids, comma-separated or repeated, each a paper of the catalogue; or the 400 naming what is wrong. */
async function tasteOf(catalogue: Catalogue, url: URL): Promise<Taste | Response> {
  const taste: Taste = { liked: [], disliked: [], given: { liked: [], disliked: [] } };
  for (const name of ['liked', 'disliked'] as const) {
    const given = url.searchParams.getAll(name).flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);
    const tooMany = tooManyForTaste(given.length);
    if (tooMany) return badRequest(`${name} ${tooMany}`);
    const arxivIds = given.map(arxivIdFromInput);
    const malformed = given.find((_, i) => arxivIds[i] === null);
    if (malformed !== undefined) return badRequest(`${name}: ${shown(malformed)} is not an arXiv id (${name}= takes arXiv ids such as 2310.05869, comma-separated)`);
    const found = await catalogue.paperIdsByArxivIds(arxivIds as string[]);
    const unknown = (arxivIds as string[]).filter((id) => !found.has(id));
    if (unknown.length) return badRequest(`${name}: no paper ${unknown.join(', ')} in the catalogue`);
    taste[name] = (arxivIds as string[]).map((id) => found.get(id)!);
    taste.given[name] = arxivIds as string[];
  }
  const problem = tasteProblem(taste.liked, taste.disliked);
  if (problem) return badRequest(`${problem.list} ${problem.problem}${problem.index === null ? '' : `: ${taste.given[problem.list][problem.index]}`}`);
  return taste;
}

/** ?date=: the period of the feed's length that contains the day; null without it; or the 400 naming what is wrong. */
function periodOf(url: URL, feed: (typeof FEEDS)[string]): { start: string; end: string } | null | Response {
  const given = url.searchParams.getAll('date');
  if (given.length === 0) return null;
  if (given.length > 1) return badRequest(`date is given ${given.length} times: it takes one day, naming one ${feed.name}`);
  const day = given[0]!.trim();
  if (!isDay(day)) return badRequest(`date: ${shown(day)} is not a day (date= takes a day such as 2026-06-24, YYYY-MM-DD, and names the ${feed.name} that contains it)`);
  const period = periodContaining(feed.period, day);
  if (!inCalendar(period.start) || !inCalendar(period.end)) return badRequest(`date: ${shown(day)}: its ${feed.name} must lie in the years 1000 to 9999 (${FIRST_DAY} to ${LAST_DAY})`);
  return period;
}

const FEED_PATH = /^\/feeds\/([a-z]+\.atom)$/u;

export const isFeedPath = (pathname: string): boolean => FEED_PATH.test(pathname);

/** The answer to a request for a feed. */
export async function answerFeed(catalogue: Catalogue, { url: href, method, ifNoneMatch, publicUrl, maxNodes }: RouteTask): Promise<Response> {
  const url = new URL(href);
  const feed = FEEDS[FEED_PATH.exec(url.pathname)![1]!];
  if (!feed) return new Response('unknown feed: use daily.atom, weekly.atom or monthly.atom\n', { status: 404 });
  if (method !== 'GET' && method !== 'HEAD') return new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } });

  const organizations = [...new Set(url.searchParams.getAll('organization').map((s) => s.trim().toLowerCase()).filter(Boolean))];
  const named = new Map((await catalogue.organizationsBySlugs(organizations)).map((o) => [o.slug, o.name]));
  const unknown = organizations.filter((slug) => !named.has(slug));
  if (unknown.length) {
    return new Response(`unknown organization${unknown.length === 1 ? '' : 's'}: ${unknown.map((slug) => JSON.stringify(slug)).join(', ')} (organization= takes a slug, as Query.organization(slug:) does)\n`, {
      status: 404,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  }
  const q = url.searchParams.get('q')?.trim() || null;
  let searched = 0;
  if (q) {
    try {
      toMatchExpression(q);
    } catch (error) {
      if (error instanceof SearchSyntaxError) return new Response(`q ${error.message}\n`, { status: 400 });
      throw error;
    }
    // The limit searchPapers has, counted the same way (each prefix reads the index of every word it starts).
    searched = await searchNodesIn(catalogue, q);
    if (searched > maxNodes) return badRequest(`q asks for up to ${searched} nodes (1,000 a term, 250 for each known word a prefix* starts); at most ${maxNodes} are allowed: use fewer terms or longer prefixes`);
  }
  const taste = await tasteOf(catalogue, url);
  if (taste instanceof Response) return taste;
  const dated = periodOf(url, feed);
  if (dated instanceof Response) return dated;
  const latest = await catalogue.latestListingDay();
  const span = dated ?? (latest ? feed.span(latest) : null);
  const filter: PaperFilter | null = span ? { listed: { from: span.start, to: span.end }, organizations: organizations.length ? organizations : null } : null;
  const selected = filter ? (await digestPapers(catalogue, filter, q, taste, dated ? 'all' : FEED_ENTRIES)).papers : [];
  // The latest span reads as a timeline, newest listing first; a period keeps its digest's order.
  if (!dated && taste.liked.length === 0) selected.sort((a, b) => (a.paper.listedOn === b.paper.listedOn ? b.paper.upvotes - a.paper.upvotes : a.paper.listedOn < b.paper.listedOn ? 1 : -1));
  const papers = selected.map((s) => s.paper);
  const authors = await catalogue.authorsOfPapers(papers.map((p) => p.id), 'all');
  const orgs = new Map((await catalogue.organizationsByIds(papers.flatMap((p) => (p.organizationId === null ? [] : [p.organizationId])))).map((o) => [o.id, o]));

  const self = `${publicUrl}${url.pathname}${url.search}`;
  const updated = instant(papers.map((p) => p.listedOn).sort().at(-1) ?? latest ?? '1970-01-01');
  const narrowing = [
    organizations.length ? `from ${organizations.map((slug) => named.get(slug)).join(', ')}` : '',
    q ? `matching “${q}”` : '',
    taste.liked.length ? `like ${taste.given.liked.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const listed = span ? ` listed ${span.start} to ${span.end}` : '';
  const subtitle = taste.liked.length
    ? `The papers${listed} most like the liked papers, most alike first.`
    : dated
      ? `All the papers${listed}, most upvoted first.`
      : `The most upvoted papers${listed}, newest first.`;
  const period = dated ? ` ${dated.start === dated.end ? dated.start : `${dated.start} to ${dated.end}`}` : '';
  const pageDay = dated?.start ?? latest;
  const entries = selected.map(({ paper: p, because }) => {
    const reason = because ? `Why: ${reasonOf(because)}.\n` : '';
    const org = p.organizationId === null ? undefined : orgs.get(p.organizationId);
    return `  <entry>
    <id>https://arxiv.org/abs/${p.arxivId}</id>
    <title>${xml(p.title)}</title>
    <link rel="alternate" type="text/html" href="https://arxiv.org/abs/${p.arxivId}"/>
    <updated>${instant(p.listedOn)}</updated>
    <published>${instant(p.publishedAt)}</published>
${(authors.get(p.id) ?? []).map((a) => `    <author><name>${xml(a.name)}</name></author>\n`).join('')}${org ? `    <category term="${xml(org.slug)}" label="${xml(org.name)}"/>\n` : ''}    <summary>${xml(`${reason}${p.upvotes} upvote${p.upvotes === 1 ? '' : 's'}${org ? ` · ${org.name}` : ''}. ${p.abstract}`)}</summary>
  </entry>
`;
  });
  const body = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${xml(self)}</id>
  <title>${xml(`${feed.title}${period}${narrowing ? ` ${narrowing}` : ''}`)}</title>
  <subtitle>${subtitle}</subtitle>
  <link rel="self" type="application/atom+xml" href="${xml(self)}"/>
${pageDay ? `  <link rel="alternate" type="text/html" href="${xml(feed.page(pageDay))}"/>\n` : ''}  <updated>${updated}</updated>
  <author><name>Paper catalogue</name></author>
  <generator>paper-catalogue</generator>
${entries.join('')}</feed>
`;
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  // Counted as a GraphQL page of the same papers would be (README, Cost), with the authors each has.
  const nodes = papers.length + papers.reduce((sum, p) => sum + (authors.get(p.id)?.length ?? 0), 0) + searched + (taste.liked.length ? RELATED_NODES : 0);
  const headers = {
    [COST_HEADER]: String(pointsOf(nodes)),
    'content-type': 'application/atom+xml; charset=utf-8',
    'cache-control': 'public, max-age=900',
    etag,
    'last-modified': new Date(updated).toUTCString(),
  };
  if (ifNoneMatch?.split(',').some((t) => t.trim() === etag)) return new Response(null, { status: 304, headers });
  return new Response(method === 'HEAD' ? null : body, { status: 200, headers });
}
