// The links in digest mail: confirming a subscription, refusing it (from the
// confirmation mail), and unsubscribing. Mail scanners open every link they
// find, so opening one (GET) changes nothing: it shows a page with a button,
// and the button POSTs the token back to the same path, which acts. A mail
// client's RFC 8058 one-click unsubscribe (List-Unsubscribe-Post) POSTs to the
// unsubscribe URL itself, token in the query string, and acts the same way.
import type { MailStore } from '../mail/mail-store.ts';
import { act, peek, type LinkAction } from '../mail/subscriptions.ts';
import { escapeHtml, page } from './html.ts';

const PERIODS = { DAY: 'daily', WEEK: 'weekly', MONTH: 'monthly' } as const;
const ACTIONS: Record<string, LinkAction> = { '/digest/confirm': 'confirm', '/digest/unsubscribe': 'unsubscribe', '/digest/refuse': 'refuse' };

type Period = keyof typeof PERIODS;
const digest = (period: Period | null) => `the ${period ? `${PERIODS[period]} ` : ''}papers digest`;

/** What a GET shows: the button, or what was done before. */
const ASK: Record<LinkAction, { title: string; message: (p: Period | null) => string; button: string }> = {
  confirm: { title: 'Confirm your subscription', message: (p) => `Confirm that you want to receive ${digest(p)} at this address.`, button: 'Confirm' },
  unsubscribe: { title: 'Unsubscribe', message: (p) => `Stop receiving ${digest(p)}.`, button: 'Unsubscribe' },
  refuse: { title: 'Refuse this subscription', message: (p) => `Delete the request to send ${digest(p)} to this address. Nothing will be sent to it.`, button: 'Refuse' },
};

const DONE: Record<LinkAction, { title: string; message: (p: Period | null) => string }> = {
  confirm: { title: 'Subscription confirmed', message: (p) => `You will receive ${digest(p)}. Every mail has a link to unsubscribe.` },
  unsubscribe: { title: 'Unsubscribed', message: (p) => `You will not receive ${digest(p)} any more.` },
  refuse: { title: 'Subscription refused', message: () => 'The request has been deleted: nothing will be sent to this address.' },
};

const ALREADY: Record<LinkAction, { title: string; message: (p: Period | null) => string }> = {
  confirm: { title: 'Already confirmed', message: (p) => `This subscription was already confirmed: you receive ${digest(p)}.` },
  unsubscribe: { title: 'Already unsubscribed', message: (p) => `This subscription had already ended: you do not receive ${digest(p)} any more.` },
  refuse: { title: 'Already refused', message: () => 'This request had already been refused or has ended: nothing will be sent.' },
};

const INVALID: Record<LinkAction, string> = {
  confirm: 'This confirmation link is unknown, or has expired (links are valid for 7 days), or its subscription has ended. Subscribe again to get a new one.',
  unsubscribe: 'This unsubscribe link is unknown. Open the whole link from the mail.',
  refuse: 'This link is unknown. Open the whole link from the mail.',
};

function answer(action: LinkAction, state: string, period: Period | null): Response {
  if (state === 'done') return page(200, DONE[action].title, DONE[action].message(period));
  if (state === 'already') return page(200, ALREADY[action].title, ALREADY[action].message(period));
  if (state === 'confirmed') {
    return page(200, 'Already confirmed', `This subscription was confirmed, so it can no longer be refused: you receive ${digest(period)}. Every digest has a link to unsubscribe.`);
  }
  return page(410, 'Link no longer valid', INVALID[action]);
}

/** A page whose button POSTs the token to `path`. */
function askPage(action: LinkAction, path: string, token: string, period: Period | null): Response {
  const form = `<form method="post" action="${escapeHtml(path)}"><input type="hidden" name="token" value="${escapeHtml(token)}"><button type="submit">${escapeHtml(ASK[action].button)}</button></form>`;
  return page(200, ASK[action].title, ASK[action].message(period), form);
}

/** The token of a POST: the form's field, else the link's own (one-click unsubscribe posts to the URL as it is). */
async function postedToken(request: Request, url: URL): Promise<string | null> {
  const type = request.headers.get('content-type') ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const token = new URLSearchParams(await request.text()).get('token');
    if (token) return token;
  }
  return url.searchParams.get('token');
}

/** The answer to a link's path, or null (synchronously) for any other path. */
export function digestLinks(store: MailStore, request: Request, url: URL): Promise<Response> | null {
  const action = ACTIONS[url.pathname];
  return action ? follow(store, request, url, action) : null;
}

async function follow(store: MailStore, request: Request, url: URL, action: LinkAction): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'POST') return new Response(null, { status: 405, headers: { allow: 'GET, POST' } });
  const token = request.method === 'POST' ? await postedToken(request, url) : url.searchParams.get('token');
  if (!token) return page(400, 'Link incomplete', 'This link has no token. Open the whole link from the mail.');
  if (request.method === 'GET') {
    const { state, period } = await peek(store, action, token);
    return state === 'ready' ? askPage(action, url.pathname, token, period) : answer(action, state, period);
  }
  const outcome = await act(store, action, token);
  return answer(action, outcome.state, outcome.period);
}
