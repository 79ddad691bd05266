// `digest send`: each active subscription of a period gets the papers of
// that period, narrowed to its organizations and query, most upvoted first,
// or, for a subscription with liked papers, most like them first (the
// ranking of recommendedPapers) with the reason for each. Mail is queued with
// a key per subscription and period, so a second run queues nothing twice and
// a run killed part-way is finished by the next one.
import { authorsOfPapers } from '../catalogue/authors.ts';
import { addDays, dayOf, periodContaining, type Period } from '../catalogue/dates.ts';
import { organizationsByIds } from '../catalogue/organizations.ts';
import { countPapers, listPapers, type PaperFilter, type PaperRow } from '../catalogue/papers.ts';
import { reasonOf, recommendedPapers, type Because } from '../catalogue/related.ts';
import { countSearch, searchPapers, wordsStartingWith } from '../catalogue/search.ts';
import { toMatchExpression } from '../catalogue/search-query.ts';
import { activeSubscriptions, issueToken, tasteOf, type Subscription, type Taste } from '../catalogue/subscriptions.ts';
import { enqueueMail, hasMail, mailByKey } from '../catalogue/outbox.ts';
import type { Db } from '../db/index.ts';
import { deliverMail, LEASE_MS } from './delivery.ts';
import { describeNarrowing, digestMail, type DigestPaper } from './render.ts';
import { link } from './subscriptions.ts';
import type { MailTransport } from './transport.ts';

/** Papers listed in one mail at most; the rest are counted. */
export const PAPERS_PER_MAIL = 30;

/** A day inside the latest period that has ended by `now`: yesterday, last week, last month. */
export function latestCompletePeriodDay(period: Period, now: Date): string {
  const today = dayOf(now.getTime());
  if (period === 'DAY') return addDays(today, -1);
  if (period === 'WEEK') return addDays(today, -7);
  return addDays(periodContaining('MONTH', today).start, -1);
}

interface Selected {
  paper: PaperRow;
  /** Why, for a subscription ranked by its liked papers. */
  because?: Because;
}

/**
 * The papers of the span for one subscription, and how many there are in
 * all: the most upvoted, or with liked papers those like them (the span is a
 * month at most: bounded, as recommendedPapers' windows), with how many the
 * span holds in all (`periodPapers`).
 */
function selectPapers(db: Db, subscription: Subscription, taste: Taste, span: { start: string; end: string }): { papers: Selected[]; total: number; periodPapers: number } {
  const organizations = JSON.parse(subscription.organizations) as string[];
  const filter: PaperFilter = { listed: { from: span.start, to: span.end }, organizations: organizations.length ? organizations : null };
  const expression = subscription.query ? toMatchExpression(subscription.query, (prefix) => wordsStartingWith(db, prefix)) : null;
  const periodPapers = expression ? countSearch(db, expression, filter) : countPapers(db, filter);
  if (taste.liked.length > 0) {
    const ids = (papers: Taste['liked']) => papers.map((p) => p.id);
    const page = recommendedPapers(db, ids(taste.liked), ids(taste.disliked), filter, true, { size: PAPERS_PER_MAIL, after: null }, 'all', expression);
    return { papers: page.rows.map((r) => ({ paper: r.row.paper, because: r.row.because })), total: page.total, periodPapers };
  }
  const request = { forward: true, size: PAPERS_PER_MAIL, after: null } as const;
  const papers = expression
    ? searchPapers(db, expression, filter, 'UPVOTES', request).rows.map((r) => ({ paper: r.row.paper }))
    : listPapers(db, filter, { field: 'UPVOTES', direction: 'DESC' }, request).rows.map((r) => ({ paper: r.row }));
  return { papers, total: periodPapers, periodPapers };
}

function toDigestPapers(db: Db, selected: Selected[]): DigestPaper[] {
  const papers = selected.map((s) => s.paper);
  const authors = authorsOfPapers(db, papers.map((p) => p.id));
  const orgIds = papers.map((p) => p.organizationId).filter((id) => id !== null);
  const orgs = new Map(organizationsByIds(db, orgIds).map((o) => [o.id, o.name]));
  return selected.map(({ paper: p, because }) => ({
    arxivId: p.arxivId,
    title: p.title,
    authors: (authors.get(p.id) ?? []).map((a) => a.name),
    authorCount: p.authorCount,
    organization: p.organizationId === null ? null : (orgs.get(p.organizationId) ?? null),
    upvotes: p.upvotes,
    url: `https://arxiv.org/abs/${p.arxivId}`,
    reason: because ? reasonOf(because) : null,
  }));
}

const FEEDS = { DAY: 'daily', WEEK: 'weekly', MONTH: 'monthly' } as const;

/** The Atom feed of the subscription's period, narrowing and taste (routes/feeds.ts): where "…and N more" leads. */
function feedUrl(publicUrl: string, subscription: Subscription, taste: Taste): string {
  const params = new URLSearchParams();
  for (const slug of JSON.parse(subscription.organizations) as string[]) params.append('organization', slug);
  if (subscription.query) params.set('q', subscription.query);
  if (taste.liked.length) params.set('liked', taste.liked.map((p) => p.arxivId).join(','));
  if (taste.disliked.length) params.set('disliked', taste.disliked.map((p) => p.arxivId).join(','));
  const search = params.size > 0 ? `?${params}` : '';
  return `${publicUrl}/feeds/${FEEDS[subscription.period]}.atom${search}`;
}

export interface SendReport {
  period: Period;
  start: string;
  end: string;
  sent: number;
  /** Subscriptions whose digest an earlier run sent. */
  alreadySent: number;
  /** Subscriptions with no papers in the period (or none like their liked papers): nothing to send. */
  empty: number;
  failed: number;
}

/**
 * Queues the digests of the period containing `date` (default: the latest
 * complete one), each subscription's once (its key); returns the report so
 * far and the keys of the mail of this period not yet sent.
 */
export function queueDigests(
  db: Db,
  publicUrl: string,
  period: Period,
  date: string | null,
  now = new Date(),
): { report: SendReport; keys: string[] } {
  const span = periodContaining(period, date ?? latestCompletePeriodDay(period, now));
  const report: SendReport = { period, start: span.start, end: span.end, sent: 0, alreadySent: 0, empty: 0, failed: 0 };
  const keys: string[] = [];
  for (const subscription of activeSubscriptions(db, period)) {
    const key = `digest:${subscription.id}:${period}:${span.start}`;
    if (mailByKey(db, key)?.sentAt) {
      report.alreadySent++;
      continue;
    }
    keys.push(key);
    if (hasMail(db, key)) continue; // queued by a run that did not finish: deliver it below
    const taste = tasteOf(db, subscription.id);
    const { papers, total, periodPapers } = selectPapers(db, subscription, taste, span);
    if (total === 0) {
      keys.pop();
      report.empty++;
      continue;
    }
    db.transaction((tx) => {
      const unsubscribeUrl = link(publicUrl, 'unsubscribe', issueToken(tx, subscription.id, 'unsubscribe', now));
      const mail = digestMail({
        period,
        startDate: span.start,
        endDate: span.end,
        narrowing: describeNarrowing(JSON.parse(subscription.organizations) as string[], subscription.query),
        taste: taste.liked.length ? { liked: taste.liked.length, periodPapers } : null,
        papers: toDigestPapers(tx, papers),
        more: total - papers.length,
        moreUrl: feedUrl(publicUrl, subscription, taste),
        unsubscribeUrl,
      });
      const headers = { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
      enqueueMail(tx, { key, kind: 'digest', subscriptionId: subscription.id, recipient: subscription.email, headers, ...mail }, now);
    });
  }
  return { report, keys };
}

export async function sendDigests(
  db: Db,
  transport: MailTransport,
  publicUrl: string,
  period: Period,
  date: string | null,
  now = new Date(),
): Promise<SendReport> {
  const { report, keys } = queueDigests(db, publicUrl, period, date, now);
  // An explicit run retries its own mail now, whatever the backoff says. Mail
  // another process is sending (the server's outbox worker) is waited for.
  const started = new Date().toISOString();
  const unsent = () => keys.map((key) => mailByKey(db, key)!).filter((mail) => !mail.sentAt);
  const deadline = Date.now() + LEASE_MS;
  let pending = unsent();
  while (pending.length > 0) {
    const delivered = await deliverMail(db, transport, pending);
    report.failed += delivered.failed.length; // stays queued for a later run or the worker
    const busy = new Set(delivered.busy);
    if (busy.size === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
    pending = unsent().filter((mail) => busy.has(mail.id));
  }
  report.sent = keys.filter((key) => (mailByKey(db, key)!.sentAt ?? '') >= started).length;
  return report;
}
