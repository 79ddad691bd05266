// `digest send`: each active subscription of a period gets the papers of
// that period, narrowed to its organizations and query, most upvoted first,
// or, for a subscription with liked papers, most like them first (the
// ranking of recommendedPapers) with the reason for each. Mail is queued with
// a key per subscription and period, so a second run queues nothing twice and
// a run killed part-way is finished by the next one.
import { authorsOfPapers } from '../catalogue/authors.ts';
import { addDays, dayOf, periodContaining, type Period } from '../catalogue/dates.ts';
import { organizationsByIds } from '../catalogue/organizations.ts';
import { sqliteReads } from '../catalogue/catalogue.ts';
import { digestPapers, type DigestPapers, type RankedPaper } from '../catalogue/digest-papers.ts';
import { atOnce } from '../catalogue/maybe.ts';
import type { PaperFilter } from '../catalogue/papers.ts';
import { reasonOf } from '../catalogue/related.ts';
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

/** The span's papers for one subscription, the first PAPERS_PER_MAIL of them, in the order of its feed of the period. */
function selectPapers(db: Db, subscription: Subscription, taste: Taste, span: { start: string; end: string }): DigestPapers {
  const organizations = JSON.parse(subscription.organizations) as string[];
  const filter: PaperFilter = { listed: { from: span.start, to: span.end }, organizations: organizations.length ? organizations : null };
  const ids = (papers: Taste['liked']) => papers.map((p) => p.id);
  return atOnce(digestPapers(sqliteReads(db), filter, subscription.query, { liked: ids(taste.liked), disliked: ids(taste.disliked) }, PAPERS_PER_MAIL));
}

function toDigestPapers(db: Db, selected: RankedPaper[]): DigestPaper[] {
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

/**
 * Where "…and N more" leads: the Atom feed of this digest's period (?date=,
 * routes/feeds.ts) with its narrowing and taste, which lists all the
 * period's papers in the mail's order, those the mail shows first.
 */
function feedUrl(publicUrl: string, subscription: Subscription, taste: Taste, periodStart: string): string {
  const params = new URLSearchParams({ date: periodStart });
  for (const slug of JSON.parse(subscription.organizations) as string[]) params.append('organization', slug);
  if (subscription.query) params.set('q', subscription.query);
  if (taste.liked.length) params.set('liked', taste.liked.map((p) => p.arxivId).join(','));
  if (taste.disliked.length) params.set('disliked', taste.disliked.map((p) => p.arxivId).join(','));
  return `${publicUrl}/feeds/${FEEDS[subscription.period]}.atom?${params}`;
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
    const { papers, total, spanPapers } = selectPapers(db, subscription, taste, span);
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
        taste: taste.liked.length ? { liked: taste.liked.length, periodPapers: spanPapers } : null,
        papers: toDigestPapers(tx, papers),
        more: total - papers.length,
        moreUrl: feedUrl(publicUrl, subscription, taste, span.start),
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
