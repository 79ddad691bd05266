// What a person finds at the root: GET / links everything a browser can open
// here; GET /schema.graphql is the SDL (the schema served, printed once);
// /favicon.svg and /favicon.ico are the icon, so that browsers stop asking.
import { createHash } from 'node:crypto';
import { printSchema, type GraphQLSchema } from 'graphql';
import { escapeHtml } from './html.ts';

// A stack of three pages, in the accent of the embed widget.
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect x="9" y="3" width="18" height="23" rx="2" fill="#93c5fd"/>
<rect x="5" y="6" width="18" height="23" rx="2" fill="#2563eb"/>
<path d="M9 13h10M9 17h10M9 21h6" stroke="#fff" stroke-width="2" stroke-linecap="round"/>
</svg>
`;

const FEEDS: [string, string][] = [
  ['/feeds/daily.atom', 'the most upvoted papers of the last 7 listing days'],
  ['/feeds/weekly.atom', 'of the last 4 weeks'],
  ['/feeds/monthly.atom', 'of the last 3 months'],
];

function homePage(): string {
  const link = (href: string, text: string) => `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Paper catalogue</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
${FEEDS.map(([href, text]) => `<link rel="alternate" type="application/atom+xml" href="${href}" title="${escapeHtml(text)}">`).join('\n')}
<style>:root{color-scheme:light dark}body{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em;line-height:1.5}li{margin:.3em 0}</style></head>
<body>
<h1>Paper catalogue</h1>
<p>A GraphQL API over a catalogue of research papers: trending, by arXiv id, by organization and author, search, and daily, weekly and monthly lists.</p>
<ul>
<li>${link('/graphql', 'GraphiQL')}: write and run queries against the API, with its documentation. Programs POST to the same address.</li>
<li>${link('/schema.graphql', 'The schema')} (SDL), for code generators and editors.</li>
<li>${link('/embed', 'The paper list widget')}: show papers on your own page.</li>
<li>Atom feeds: ${FEEDS.map(([href, text]) => `${link(href, href.slice('/feeds/'.length))} (${escapeHtml(text)})`).join(', ')}; add <code>?organization=slug</code> or <code>?q=words</code> to narrow one, <code>?date=YYYY-MM-DD</code> for all the papers of the day, week or month holding that date.</li>
</ul>
</body></html>
`;
}

interface Fixed {
  type: string;
  body: string;
  etag: string;
  maxAge: number;
}

const fixed = (type: string, body: string, maxAge: number): Fixed => ({
  type,
  body,
  maxAge,
  etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
});

/** The root routes, for this schema. */
export function home(schema: GraphQLSchema): (request: Request, url: URL) => Response | null {
  const icon = fixed('image/svg+xml', FAVICON_SVG, 86_400);
  const routes = new Map<string, Fixed>([
    ['/', fixed('text/html; charset=utf-8', homePage(), 300)],
    // text/plain, so that a browser shows it rather than downloading it.
    ['/schema.graphql', fixed('text/plain; charset=utf-8', `${printSchema(schema)}\n`, 300)],
    ['/favicon.svg', icon],
    // Browsers ask for /favicon.ico on their own; all of them today draw an SVG.
    ['/favicon.ico', icon],
  ]);
  return (request, url) => {
    const route = routes.get(url.pathname);
    if (!route) return null;
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } });
    const headers = { 'content-type': route.type, 'cache-control': `public, max-age=${route.maxAge}`, etag: route.etag };
    if (request.headers.get('if-none-match')?.split(',').some((t) => t.trim() === route.etag)) return new Response(null, { status: 304, headers });
    return new Response(request.method === 'HEAD' ? null : route.body, { headers });
  };
}
