import { escapeHtml } from '../html.ts';

// The mail this service sends, as plain text and HTML. Everything that
// comes from the catalogue is HTML-escaped in the HTML part.

export interface DigestPaper {
  arxivId: string;
  title: string;
  authors: string[];
  authorCount: number;
  organization: string | null;
  upvotes: number;
  url: string;
  /** Why it is in a digest ranked by liked papers, in one line; null in one ranked by upvotes. */
  reason: string | null;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}


const PERIOD_NAMES = { DAY: 'daily', WEEK: 'weekly', MONTH: 'monthly' } as const;

const SPAN_NAMES = { DAY: 'day', WEEK: 'week', MONTH: 'month' } as const;
const papersCount = (n: number): string => `${n} paper${n === 1 ? '' : 's'}`;

function byline(p: DigestPaper): string {
  const shown = p.authors.slice(0, 3).join(', ');
  const more = p.authorCount > 3 ? ' et al.' : '';
  return [shown ? `${shown}${more}` : null, p.organization, `${p.upvotes} upvote${p.upvotes === 1 ? '' : 's'}`]
    .filter(Boolean)
    .join(' · ');
}

function layout(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: auto; line-height: 1.4">${body}</body></html>`;
}

/**
 * The confirmation mail goes to an address nobody has vouched for yet, so it
 * holds no text of the requester's choosing: the subscription is described by
 * its period and by organization names from the catalogue, a search is only
 * said to be there, and liked papers only counted (no titles: a title can say
 * anything its authors chose). `links.refuse` lets the owner of the address turn it
 * down from the mail itself.
 */
export function confirmationMail(
  period: keyof typeof PERIOD_NAMES,
  organizationNames: string[],
  hasSearch: boolean,
  taste: { liked: number; disliked: number },
  links: { confirm: string; refuse: string },
): RenderedMail {
  const narrowing = [
    organizationNames.length ? `papers from ${organizationNames.join(', ')}` : null,
    hasSearch ? 'narrowed by a search' : null,
    taste.liked ? `ranked by ${papersCount(taste.liked)} you liked${taste.disliked ? ` and ${papersCount(taste.disliked)} you did not` : ''}` : null,
  ]
    .filter(Boolean)
    .join(', ');
  const what = `the ${PERIOD_NAMES[period]} papers digest${narrowing ? ` (${narrowing})` : ''}`;
  return {
    subject: `Confirm your ${PERIOD_NAMES[period]} papers digest`,
    text: `Someone, hopefully you, asked to receive ${what} at this address.

To confirm, open this link (valid for 7 days):
${links.confirm}

If it was not you, ignore this mail: nothing will be sent. Or refuse it here, and the request is deleted:
${links.refuse}
`,
    html: layout(
      'Confirm your subscription',
      `<p>Someone, hopefully you, asked to receive ${escapeHtml(what)} at this address.</p>
<p><a href="${escapeHtml(links.confirm)}">Confirm the subscription</a> (the link is valid for 7 days).</p>
<p>If it was not you, ignore this mail: nothing will be sent. Or <a href="${escapeHtml(links.refuse)}">refuse it</a>, and the request is deleted.</p>`,
    ),
  };
}

export interface DigestMailInput {
  period: keyof typeof PERIOD_NAMES;
  startDate: string;
  endDate: string;
  narrowing: string | null;
  /** How many liked papers rank the digest, and how many papers the period has in all; null: ranked by upvotes. */
  taste: { liked: number; periodPapers: number } | null;
  papers: DigestPaper[];
  /** Papers of the period beyond those listed. */
  more: number;
  /** Where the rest can be read (the period's Atom feed). */
  moreUrl: string;
  unsubscribeUrl: string;
}

export function digestMail(d: DigestMailInput): RenderedMail {
  const span = d.startDate === d.endDate ? d.startDate : `${d.startDate} to ${d.endDate}`;
  const count = d.papers.length + d.more;
  const heading = `Your ${PERIOD_NAMES[d.period]} papers: ${span}${d.narrowing ? ` (${d.narrowing})` : ''}`;
  const order = d.taste
    ? `${count} of the ${SPAN_NAMES[d.period]}'s ${papersCount(d.taste.periodPapers)} like the ${papersCount(d.taste.liked)} you liked, most alike first.`
    : `${papersCount(count)}, most upvoted first.`;
  const text = [
    heading,
    order,
    '',
    ...d.papers.flatMap((p, i) => [`${i + 1}. ${p.title}`, `   ${byline(p)}`, ...(p.reason ? [`   Why: ${p.reason}`] : []), `   ${p.url}`, '']),
    ...(d.more > 0 ? [`…and ${d.more} more: ${d.moreUrl}`, ''] : []),
    `Unsubscribe: ${d.unsubscribeUrl}`,
    '',
  ].join('\n');
  const items = d.papers
    .map(
      (p) => `<li style="margin-bottom: 0.8em"><a href="${escapeHtml(p.url)}"><strong>${escapeHtml(p.title)}</strong></a><br>
<small>${escapeHtml(byline(p))}</small>${p.reason ? `<br>
<small>Why: ${escapeHtml(p.reason)}</small>` : ''}</li>`,
    )
    .join('\n');
  const html = layout(
    heading,
    `<h1 style="font-size: 1.3em">${escapeHtml(heading)}</h1>
<p>${escapeHtml(order)}</p>
<ol>${items}</ol>${d.more > 0 ? `<p><a href="${escapeHtml(d.moreUrl)}">…and ${d.more} more.</a></p>` : ''}
<p><small><a href="${escapeHtml(d.unsubscribeUrl)}">Unsubscribe</a></small></p>`,
  );
  return { subject: `${papersCount(count)}: ${PERIOD_NAMES[d.period]} digest ${span}`, text, html };
}

/** "organizations: nvidia, google; search: diffusion", or null for an unnarrowed subscription. */
export function describeNarrowing(organizations: string[], query: string | null): string | null {
  const parts = [organizations.length ? `organizations: ${organizations.join(', ')}` : null, query ? `search: ${query}` : null];
  return parts.filter(Boolean).join('; ') || null;
}
