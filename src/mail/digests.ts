// `digest send`: each active subscription of a period gets the papers of
// that period, narrowed to its organizations and query, most upvoted first,
// or, for a subscription with liked papers, most like them first (the
// ranking of recommendedPapers) with the reason for each. Mail is queued with
// a key per subscription and period, so a second run queues nothing twice and
// a run killed part-way is finished by the next one.
import type { CatalogueReads } from '../catalogue/catalogue.ts';
import { addDays, dayOf, periodContaining, type Period } from '../catalogue/dates.ts';
import { digestPapers, type DigestPapers, type RankedPaper } from '../catalogue/digest-papers.ts';
import type { PaperFilter } from '../catalogue/papers.ts';
import { reasonOf } from '../catalogue/related.ts';
import type { Subscription, Taste } from '../catalogue/subscriptions.ts';
import { deliverMail, LEASE_MS } from './delivery.ts';
import type { MailStore } from './mail-store.ts';
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
async function selectPapers(catalogue: CatalogueReads, subscription: Subscription, taste: Taste, span: { start: string; end: string }): Promise<DigestPapers> {
  const organizations = JSON.parse(subscription.organizations) as string[];
  const filter: PaperFilter = { listed: { from: span.start, to: span.end }, organizations: organizations.length ? organizations : null };
  const ids = (papers: Taste['liked']) => papers.map((p) => p.id);
  return digestPapers(catalogue, filter, subscription.query, { liked: ids(taste.liked), disliked: ids(taste.disliked) }, PAPERS_PER_MAIL);
}

async function toDigestPapers(catalogue: CatalogueReads, selected: RankedPaper[]): Promise<DigestPaper[]> {
  const papers = selected.map((s) => s.paper);
  const orgIds = papers.map((p) => p.organizationId).filter((id) => id !== null);
  const [authors, organizations] = await Promise.all([catalogue.authorsOfPapers(papers.map((p) => p.id), 'names'), catalogue.organizationsByIds(orgIds)]);
  const orgs = new Map(organizations.map((o) => [o.id, o.name]));
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
export async function queueDigests(
  store: MailStore,
  catalogue: CatalogueReads,
  publicUrl: string,
  period: Period,
  date: string | null,
  now = new Date(),
): Promise<{ report: SendReport; keys: string[] }> {
  const span = periodContaining(period, date ?? latestCompletePeriodDay(period, now));
  const report: SendReport = { period, start: span.start, end: span.end, sent: 0, alreadySent: 0, empty: 0, failed: 0 };
  const keys: string[] = [];
  for (const subscription of await store.activeSubscriptions(period)) {
    const key = `digest:${subscription.id}:${period}:${span.start}`;
    const queued = await store.mailByKey(key);
    if (queued?.sentAt) {
      report.alreadySent++;
      continue;
    }
    if (queued) {
      keys.push(key); // queued by a run that did not finish: delivered below
      continue;
    }
    const taste = await store.tasteOf(subscription.id);
    const { papers, total, spanPapers } = await selectPapers(catalogue, subscription, taste, span);
    if (total === 0) {
      report.empty++;
      continue;
    }
    const listed = await toDigestPapers(catalogue, papers);
    keys.push(key);
    await store.queueWithUnsubscribeToken({ key, kind: 'digest', subscriptionId: subscription.id, recipient: subscription.email }, now, (token) => {
      const unsubscribeUrl = link(publicUrl, 'unsubscribe', token);
      const mail = digestMail({
        period,
        startDate: span.start,
        endDate: span.end,
        narrowing: describeNarrowing(JSON.parse(subscription.organizations) as string[], subscription.query),
        taste: taste.liked.length ? { liked: taste.liked.length, periodPapers: spanPapers } : null,
        papers: listed,
        more: total - papers.length,
        moreUrl: feedUrl(publicUrl, subscription, taste, span.start),
        unsubscribeUrl,
      });
      return { ...mail, headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } };
    });
  }
  return { report, keys };
}

export async function sendDigests(
  store: MailStore,
  catalogue: CatalogueReads,
  transport: MailTransport,
  publicUrl: string,
  period: Period,
  date: string | null,
  now = new Date(),
): Promise<SendReport> {
  const { report, keys } = await queueDigests(store, catalogue, publicUrl, period, date, now);
  // An explicit run retries its own mail now, whatever the backoff says. Mail
  // another process is sending (the server's outbox worker) is waited for.
  const started = new Date().toISOString();
  const queued = async () => (await Promise.all(keys.map((key) => store.mailByKey(key)))).map((mail) => mail!);
  const deadline = Date.now() + LEASE_MS;
  let pending = (await queued()).filter((mail) => !mail.sentAt);
  while (pending.length > 0) {
    const delivered = await deliverMail(store, transport, pending);
    report.failed += delivered.failed.length; // stays queued for a later run or the worker
    const busy = new Set(delivered.busy);
    if (busy.size === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
    pending = (await queued()).filter((mail) => !mail.sentAt && busy.has(mail.id));
  }
  report.sent = (await queued()).filter((mail) => (mail.sentAt ?? '') >= started).length;
  return report;
}
