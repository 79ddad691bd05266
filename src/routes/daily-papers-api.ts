// The daily-papers API of the upstream (huggingface.co/api/daily_papers),
// served from the catalogue, so that what reads the upstream (RSS bridges,
// newsletter bots, huggingface_hub's list_daily_papers, another of these
// servers syncing from this one) can read this server instead:
//
//   GET /api/daily_papers?date=YYYY-MM-DD | week=YYYY-Www | month=YYYY-MM  [&p=0] [&limit=50] [&sort=trending|publishedAt]
//   GET /api/papers/{arxivId}
//
// Items have the upstream's shape for the fields the catalogue keeps; what it
// does not keep (author ids, media, the submitter) is left out. The importer
// reads the answers back as it reads the upstream's.
import { createHash } from 'node:crypto';
import type { Catalogue } from '../catalogue/catalogue.ts';
import { addDays, dayStart, isDay, monthStart, periodContaining } from '../catalogue/dates.ts';
import { arxivIdFromInput } from '../catalogue/identity.ts';
import type { OrganizationRow } from '../catalogue/organizations.ts';
import type { PaperOrder, PaperRow } from '../catalogue/papers.ts';
import { WINDOW_HOURS, type TrendingWindow } from '../catalogue/trending.ts';
import { pointsOf } from '../http/admission.ts';
import { COST_HEADER } from '../http/limits.ts';
import type { RouteTask } from './catalogue-routes.ts';

export const DAILY_PAPERS_PATH = '/api/daily_papers';
const PAPER_PATH = /^\/api\/papers\/([^/]+)$/u;
const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 50;
/** How deep p may page: p × limit rows are read to reach a page. */
const MAX_OFFSET = 5_000;
const SORTS = ['trending', 'publishedAt'] as const;

class BadParameter extends Error {
  constructor(readonly parameter: string, message: string) {
    super(`${parameter} ${message}`);
  }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });

/** The first day of ISO week `week` ("2026-W26"), or null if there is no such week. */
function isoWeekStart(week: string): string | null {
  const match = /^(\d{4})-W(\d{2})$/u.exec(week);
  if (!match) return null;
  const [year, n] = [Number(match[1]), Number(match[2])];
  const jan4 = `${year}-01-04`;
  const start = addDays(periodContaining('WEEK', jan4).start, (n - 1) * 7);
  // Week 53 exists only in years whose 28 December falls in it.
  return n >= 1 && start <= periodContaining('WEEK', `${year}-12-28`).start ? start : null;
}

/** The listing days asked for, and the trending window that ranks them. */
async function periodOf(catalogue: Catalogue, params: URLSearchParams): Promise<{ from: string; to: string; window: TrendingWindow } | null> {
  const given = (['date', 'week', 'month'] as const).filter((name) => params.has(name));
  if (given.length > 1) throw new BadParameter(given[1]!, `cannot be combined with ${given[0]}: ask for one day, week or month`);
  const week = params.get('week');
  const month = params.get('month');
  if (week !== null) {
    const start = isoWeekStart(week);
    if (!start) throw new BadParameter('week', `must be an ISO week like 2026-W26; got ${JSON.stringify(week)}`);
    return { from: start, to: addDays(start, 6), window: 'WEEK' };
  }
  if (month !== null) {
    if (!/^\d{4}-\d{2}$/u.test(month) || !isDay(`${month}-01`)) throw new BadParameter('month', `must be a month like 2026-06; got ${JSON.stringify(month)}`);
    return { from: `${month}-01`, to: addDays(monthStart(`${month}-01`, 1), -1), window: 'MONTH' };
  }
  const date = params.get('date') ?? (await catalogue.latestListingDay());
  if (date === null) return null;
  if (!isDay(date)) throw new BadParameter('date', `must be a day like 2026-06-30; got ${JSON.stringify(date)}`);
  return { from: date, to: date, window: 'DAY' };
}

function count(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const text = params.get(name);
  if (text === null) return fallback;
  const value = /^\d+$/u.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw new BadParameter(name, `must be a whole number from ${min} to ${max}; got ${JSON.stringify(text)}`);
  return value;
}

/** Papers in the upstream's item shape, with their authors and organizations read for all of them at once. */
async function items(catalogue: Catalogue, papers: PaperRow[]): Promise<unknown[]> {
  const authors = await catalogue.authorsOfPapers(papers.map((p) => p.id), 'all');
  const organizations = new Map<number, OrganizationRow>(
    (await catalogue.organizationsByIds([...new Set(papers.flatMap((p) => (p.organizationId === null ? [] : [p.organizationId])))])).map((o) => [o.id, o]),
  );
  return papers.map((p) => {
    const organization = p.organizationId === null ? undefined : organizations.get(p.organizationId);
    const org = organization && { name: organization.slug, fullname: organization.name, ...(organization.avatarUrl ? { avatar: organization.avatarUrl } : {}) };
    const visible = (authors.get(p.id) ?? []).map((a) => ({ name: a.name, hidden: false, ...(a.accountName ? { user: { user: a.accountName } } : {}) }));
    // Hidden authors are counted, not named: as many hidden entries keep the count.
    const hidden = Array.from({ length: Math.max(0, p.authorCount - visible.length) }, () => ({ name: '', hidden: true }));
    const paper = {
      id: p.arxivId,
      title: p.title,
      summary: p.abstract,
      authors: [...visible, ...hidden],
      publishedAt: `${p.publishedAt}T00:00:00.000Z`,
      submittedOnDailyAt: `${p.listedOn}T00:00:00.000Z`,
      upvotes: p.upvotes,
      ...(p.githubUrl ? { githubRepo: p.githubUrl } : {}),
      ...(p.githubStars !== null ? { githubStars: p.githubStars } : {}),
      ...(p.projectUrl ? { projectPage: p.projectUrl } : {}),
      ...(p.aiSummary ? { ai_summary: p.aiSummary } : {}),
      ...(p.aiKeywords ? { ai_keywords: JSON.parse(p.aiKeywords) as string[] } : {}),
      ...(org ? { organization: org } : {}),
    };
    return {
      paper,
      title: p.title,
      summary: p.abstract,
      publishedAt: paper.publishedAt,
      ...(p.thumbnailUrl ? { thumbnail: p.thumbnailUrl } : {}),
      ...(p.commentCount !== null ? { numComments: p.commentCount } : {}),
      ...(org ? { organization: org } : {}),
    };
  });
}

/** The items of a list, and the nodes it read: every row up to its page, and the authors of the page. */
async function dailyPapers(catalogue: Catalogue, params: URLSearchParams): Promise<{ items: unknown[]; nodes: number }> {
  const period = await periodOf(catalogue, params);
  const page = count(params, 'p', 0, 0, MAX_OFFSET);
  const limit = count(params, 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT);
  const sort = params.get('sort') ?? 'trending';
  if (!(SORTS as readonly string[]).includes(sort)) throw new BadParameter('sort', `must be trending or publishedAt; got ${JSON.stringify(sort)}`);
  if (page * limit > MAX_OFFSET) throw new BadParameter('p', `reaches past paper ${MAX_OFFSET} (p × limit); narrow the period instead`);
  if (!period) return { items: [], nodes: 0 };
  // trending: the period's own window, at the end of the period, or 30 days after its start, so
  // that the 1st of a 31-day month is still inside the MONTH window.
  const asOfMs = Math.min(dayStart(addDays(period.to, 1)), dayStart(period.from) + WINDOW_HOURS[period.window] * 3_600_000);
  const order: PaperOrder =
    sort === 'trending'
      ? { field: 'TRENDING', direction: 'DESC', asOfMs, window: period.window }
      : { field: 'PUBLISHED_AT', direction: 'DESC' };
  const { rows } = await catalogue.listPapers({ listed: { from: period.from, to: period.to } }, order, { forward: true, size: (page + 1) * limit, after: null }, 'all');
  const shown = rows.slice(page * limit).map((r) => r.row);
  return { items: await items(catalogue, shown), nodes: rows.length + shown.reduce((sum, p) => sum + p.authorCount, 0) };
}

/**
 * A JSON answer cached as feeds are: an ETag of its bytes, public for 15
 * minutes, 304 when the client has it; a list says its cost in points as a
 * feed does (COST_HEADER), by the nodes it read.
 */
function cached({ method, ifNoneMatch }: RouteTask, body: unknown, nodes = 0): Response {
  const text = JSON.stringify(body);
  const etag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
  const headers = { [COST_HEADER]: String(pointsOf(nodes)), 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=900', etag };
  if (ifNoneMatch?.split(',').some((t) => t.trim().replace(/^W\//u, '') === etag)) return new Response(null, { status: 304, headers });
  return new Response(method === 'HEAD' ? null : text, { status: 200, headers });
}

export const isDailyPapersPath = (pathname: string): boolean => pathname === DAILY_PAPERS_PATH;
export const isPaperPath = (pathname: string): boolean => PAPER_PATH.test(pathname);

/** The answer to a request for the daily-papers API: a list of papers, or one paper. */
export async function answerDailyPapers(catalogue: Catalogue, task: RouteTask): Promise<Response> {
  if (task.method !== 'GET' && task.method !== 'HEAD') return json(405, { error: 'use GET' }, { allow: 'GET, HEAD' });
  const url = new URL(task.url);
  const paperMatch = PAPER_PATH.exec(url.pathname);
  try {
    if (paperMatch) {
      const raw = paperMatch[1]!;
      let text: string;
      try {
        text = decodeURIComponent(raw);
      } catch {
        throw new BadParameter('arxivId', `is not an arXiv id like 2310.05869; got ${JSON.stringify(raw)} (not even percent-encoded UTF-8)`);
      }
      const arxivId = arxivIdFromInput(text);
      if (arxivId === null) throw new BadParameter('arxivId', `is not an arXiv id like 2310.05869; got ${JSON.stringify(text)}`);
      const [paper] = await catalogue.papersByArxivIds([arxivId], 'all');
      if (!paper) return json(404, { error: `paper ${arxivId} is not in the catalogue` });
      return cached(task, ((await items(catalogue, [paper]))[0] as { paper: unknown }).paper);
    }
    const { items: listed, nodes } = await dailyPapers(catalogue, url.searchParams);
    return cached(task, listed, nodes);
  } catch (error) {
    if (error instanceof BadParameter) return json(400, { error: error.message, parameter: error.parameter });
    throw error;
  }
}
