// The embeddable widget: GET /embed.js is <paper-list>, a Web Component that
// other sites load to show papers from this API (its source is paper-list.js,
// read once at start-up), and GET /embed is a page that shows it at work,
// with the snippet to copy.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { escapeHtml } from './html.ts';

const SCRIPT = readFileSync(new URL('./paper-list.js', import.meta.url), 'utf8');
const SCRIPT_ETAG = `"${createHash('sha256').update(SCRIPT).digest('base64url').slice(0, 27)}"`;

const EXAMPLES = [
  '<paper-list trending="WEEK" limit="5"></paper-list>',
  '<paper-list organization="nvidia" limit="5"></paper-list>',
  '<paper-list query="kolmogorov" limit="5"></paper-list>',
  '<paper-list related="2310.05869" limit="5"></paper-list>',
  '<paper-list trending="MONTH" limit="5" theme="dark"></paper-list>',
];

const ATTRIBUTES: [string, string][] = [
  ['trending', 'DAY, WEEK, MONTH or ALL: the trending papers of that window (the default when nothing else is set: WEEK).'],
  ['organization', "An organization's slug, e.g. nvidia: its latest papers; with trending or query, narrows them."],
  ['query', 'A search in the searchPapers language, e.g. "diffusion transformer"; matches are highlighted.'],
  ['related', 'An arXiv id, e.g. 2310.05869: the papers most like that paper, each with why (what they share); wins over the other lists.'],
  ['limit', 'How many papers, 1 to 100; default 10.'],
  ['theme', 'light, dark or auto (the default: follows the reader’s colour scheme).'],
  ['api', 'The GraphQL endpoint; default /graphql on the server the script came from.'],
];

function demoPage(origin: string): string {
  const snippet = `<script type="module" src="${origin}/embed.js"></script>\n${EXAMPLES[0]}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Paper list widget</title>
<script type="module" src="/embed.js"></script>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
  body { max-width: 70em; margin: 2em auto; padding: 0 1.2em; }
  pre { background: light-dark(#f3f4f6, #22252c); padding: 0.7em 1em; border-radius: 8px; overflow-x: auto; font-size: 0.9em; }
  dt { font-family: ui-monospace, monospace; font-weight: 600; }
  dd { margin: 0 0 0.4em 1.5em; }
  code { white-space: nowrap; }
  .examples { display: grid; grid-template-columns: repeat(auto-fit, minmax(30em, 1fr)); gap: 1.5em; margin-top: 1em; }
  .examples pre { margin: 0 0 0.6em; }
</style></head>
<body>
<h1>Show papers on your page</h1>
<p>Add the script once, then a <code>&lt;paper-list&gt;</code> wherever papers should appear. It works on any site: the script and the API answer cross-origin requests.</p>
<pre><code>${escapeHtml(snippet)}</code></pre>
<h2>Attributes</h2>
<dl>
${ATTRIBUTES.map(([name, text]) => `  <dt>${name}</dt><dd>${escapeHtml(text)}</dd>`).join('\n')}
</dl>
<p>Colours follow CSS custom properties that your page can set on <code>paper-list</code>: <code>--paper-list-background</code>, <code>--paper-list-text</code>, <code>--paper-list-muted</code>, <code>--paper-list-accent</code>, <code>--paper-list-border</code>, <code>--paper-list-mark</code>, <code>--paper-list-error</code>, <code>--paper-list-font</code> and <code>--paper-list-radius</code>.</p>
<h2>Examples</h2>
<div class="examples">
${EXAMPLES.map((example) => `  <div>\n    <pre><code>${escapeHtml(example)}</code></pre>\n    ${example}\n  </div>`).join('\n')}
</div>
</body></html>
`;
}

export function embed(request: Request, url: URL): Response | null {
  if (url.pathname !== '/embed' && url.pathname !== '/embed.js') return null;
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } });
  const head = request.method === 'HEAD';

  if (url.pathname === '/embed') {
    return new Response(head ? null : demoPage(url.origin), {
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'public, max-age=300' },
    });
  }
  const headers = {
    'content-type': 'application/javascript; charset=utf-8',
    // An hour: pages pick up a new version soon, and revalidate cheaply by ETag.
    'cache-control': 'public, max-age=3600',
    etag: SCRIPT_ETAG,
    // A module script from another origin is fetched with CORS.
    'access-control-allow-origin': '*',
    'cross-origin-resource-policy': 'cross-origin',
    'x-content-type-options': 'nosniff',
  };
  if (request.headers.get('if-none-match')?.split(',').some((t) => t.trim() === SCRIPT_ETAG)) return new Response(null, { status: 304, headers });
  return new Response(head ? null : SCRIPT, { headers });
}
