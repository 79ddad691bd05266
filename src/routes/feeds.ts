// Atom feeds of the latest lists: /feeds/daily.atom (the last 7 listing
// days), /feeds/weekly.atom (4 ISO weeks), /feeds/monthly.atom (3 months),
// optionally narrowed with ?organization=slug (repeatable) and ?q=search.
// Entries are the most upvoted papers of that span (100 at most), newest
// listing first; each entry's <updated> is its listing day. With
// ?liked=<arXiv id>,… (and &disliked=…) they are the span's papers most like
// the liked ones, as recommendedPapers ranks them, most alike first, each
// summary opening with the reason. An unknown
// organization is a 404, as the API refuses it. The feed's own page (its
// rel=alternate, where a reader goes from the feed's title) is Hugging Face's
// list for the latest day, week or month: the upstream of the catalogue, the
// same papers ranked by the same upvotes; this server has no HTML list.
import { createHash } from 'node:crypto';
import type { Catalogue } from '../catalogue/catalogue.ts';
import { addDays, dayStart, monthStart, periodContaining, type Period } from '../catalogue/dates.ts';
import { arxivIdFromInput } from '../catalogue/identity.ts';
import type { PaperFilter, PaperRow } from '../catalogue/papers.ts';
import { reasonOf, tasteProblem, tooManyForTaste, type Because } from '../catalogue/related.ts';
import { SearchSyntaxError, toMatchExpression } from '../catalogue/search-query.ts';
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

const FEEDS: Record<string, { period: Period; title: string; span: (latest: string) => { start: string; end: string }; page: (latest: string) => string }> = {
  'daily.atom': {
    period: 'DAY',
    title: 'Daily papers',
    span: (latest) => ({ start: addDays(latest, -6), end: latest }),
    page: (latest) => `${UPSTREAM}/date/${latest}`,
  },
  'weekly.atom': {
    period: 'WEEK',
    title: 'Weekly papers',
    span: (latest) => ({ start: addDays(periodContaining('WEEK', latest).start, -21), end: periodContaining('WEEK', latest).end }),
    page: (latest) => `${UPSTREAM}/week/${isoWeek(latest)}`,
  },
  'monthly.atom': {
    period: 'MONTH',
    title: 'Monthly papers',
    span: (latest) => ({ start: monthStart(latest, -2), end: periodContaining('MONTH', latest).end }),
    page: (latest) => `${UPSTREAM}/month/${latest.slice(0, 7)}`,
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

interface Selected {
  paper: PaperRow;
  because?: Because;
}

async function selectPapers(catalogue: Catalogue, filter: PaperFilter, q: string | null, taste: Taste): Promise<Selected[]> {
  const expression = q ? await catalogue.searchExpression(q) : null;
  if (taste.liked.length > 0) {
    // A feed spans three months at most: read paper by paper, as recommendedPapers reads its bounded windows.
    const page = await catalogue.recommendedPapers(taste.liked, taste.disliked, filter, true, { size: FEED_ENTRIES, after: null }, 'all', expression);
    return page.rows.map((r) => ({ paper: r.row.paper, because: r.row.because }));
  }
  const request = { forward: true, size: FEED_ENTRIES, after: null } as const;
  const papers = expression
    ? (await catalogue.searchPapers(expression, filter, 'UPVOTES', request, 'all', false)).rows.map((r) => r.row.paper)
    : (await catalogue.listPapers(filter, { field: 'UPVOTES', direction: 'DESC' }, request, 'all')).rows.map((r) => r.row);
  return papers.sort((a, b) => (a.listedOn === b.listedOn ? b.upvotes - a.upvotes : a.listedOn < b.listedOn ? 1 : -1)).map((paper) => ({ paper }));
}

/** The answer to a request for a feed; null for another path. */
export function feeds(catalogue: Catalogue, publicUrl: string, request: Request, url: URL): Promise<Response> | null {
  const match = /^\/feeds\/([a-z]+\.atom)$/u.exec(url.pathname);
  return match ? feed(catalogue, publicUrl, request, url, match[1]!) : null;
}

async function feed(catalogue: Catalogue, publicUrl: string, request: Request, url: URL, name: string): Promise<Response> {
  const feed = FEEDS[name];
  if (!feed) return new Response('unknown feed: use daily.atom, weekly.atom or monthly.atom\n', { status: 404 });
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } });

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
  if (q) {
    try {
      toMatchExpression(q);
    } catch (error) {
      if (error instanceof SearchSyntaxError) return new Response(`q ${error.message}\n`, { status: 400 });
      throw error;
    }
  }
  const taste = await tasteOf(catalogue, url);
  if (taste instanceof Response) return taste;
  const latest = await catalogue.latestListingDay();
  const span = latest ? feed.span(latest) : null;
  const selected = span ? await selectPapers(catalogue, { listed: { from: span.start, to: span.end }, organizations: organizations.length ? organizations : null }, q, taste) : [];
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
  const subtitle = taste.liked.length ? `The papers${listed} most like the liked papers, most alike first.` : `The most upvoted papers${listed}, newest first.`;
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
  <title>${xml(`${feed.title}${narrowing ? ` ${narrowing}` : ''}`)}</title>
  <subtitle>${subtitle}</subtitle>
  <link rel="self" type="application/atom+xml" href="${xml(self)}"/>
${latest ? `  <link rel="alternate" type="text/html" href="${xml(feed.page(latest))}"/>\n` : ''}  <updated>${updated}</updated>
  <author><name>Paper catalogue</name></author>
  <generator>paper-catalogue</generator>
${entries.join('')}</feed>
`;
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  const headers = {
    'content-type': 'application/atom+xml; charset=utf-8',
    'cache-control': 'public, max-age=900',
    etag,
    'last-modified': new Date(updated).toUTCString(),
  };
  if (request.headers.get('if-none-match')?.split(',').some((t) => t.trim() === etag)) return new Response(null, { status: 304, headers });
  return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers });
}
