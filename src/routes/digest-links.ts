// The links in digest mail: confirming a subscription, and unsubscribing, by
// a person (GET, a page saying what happened) or by a mail client (POST, the
// RFC 8058 one-click unsubscribe that List-Unsubscribe-Post points to).
import type { Db } from '../db/index.ts';
import { confirm, unsubscribe } from '../mail/subscriptions.ts';
import { page } from './html.ts';

const PERIODS = { DAY: 'daily', WEEK: 'weekly', MONTH: 'monthly' } as const;

export function digestLinks(db: Db, request: Request, url: URL): Response | null {
  const action = url.pathname === '/digest/confirm' ? 'confirm' : url.pathname === '/digest/unsubscribe' ? 'unsubscribe' : null;
  if (!action) return null;
  const allowed = action === 'confirm' ? ['GET'] : ['GET', 'POST'];
  if (!allowed.includes(request.method)) {
    return new Response(null, { status: 405, headers: { allow: allowed.join(', ') } });
  }
  const token = url.searchParams.get('token');
  if (!token) return page(400, 'Link incomplete', 'This link has no token. Open the whole link from the mail.');

  if (action === 'confirm') {
    const outcome = confirm(db, token);
    return outcome.ok
      ? page(200, 'Subscription confirmed', `You will receive the ${PERIODS[outcome.period!]} papers digest. Every mail has a link to unsubscribe.`)
      : page(410, 'Link no longer valid', 'This confirmation link is unknown, was already used, or has expired (links are valid for 7 days). Subscribe again to get a new one.');
  }
  const outcome = unsubscribe(db, token);
  if (request.method === 'POST') return new Response(outcome.ok ? 'unsubscribed\n' : 'unknown or used token\n', { status: outcome.ok ? 200 : 410 });
  return outcome.ok
    ? page(200, 'Unsubscribed', `You will not receive the ${PERIODS[outcome.period!]} papers digest any more.`)
    : page(410, 'Link no longer valid', 'This unsubscribe link is unknown or was already used: that subscription has already ended.');
}
