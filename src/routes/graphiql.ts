// GraphiQL without the internet. Yoga's own page loads GraphiQL from a CDN;
// @graphql-yoga/render-graphiql bundles the same build, but inlines all of it
// (10 MB) into every page. Here the page is small and names the bundle's
// parts under /graphiql/<hash>/, served from memory: cached for good by the
// browser, gzipped when it asks. The 10 MB module is read on the first visit,
// not at start-up.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { escapeHtml } from './html.ts';

const compress = promisify(gzip);

interface Asset {
  type: string;
  body: string;
  gzipped?: Promise<Buffer>;
}

interface Bundle {
  /** Changes with the bundle: part of the assets' path, so that they can be cached for good. */
  version: string;
  assets: Map<string, Asset>;
}

/** Monaco asks for its workers by these labels (render-graphiql's names). */
const WORKERS = { editorWorkerService: 'editor.worker.js', json: 'json.worker.js', graphql: 'graphql.worker.js' } as const;

let bundle: Promise<Bundle> | undefined;

function loadBundle(): Promise<Bundle> {
  bundle ??= import('@graphql-yoga/render-graphiql/graphiql').then((parts) => {
    const js = 'application/javascript; charset=utf-8';
    const assets = new Map<string, Asset>([
      ['graphiql.js', { type: js, body: parts.js }],
      ['graphiql.css', { type: 'text/css; charset=utf-8', body: parts.css }],
      [WORKERS.editorWorkerService, { type: js, body: parts.editorWorkerService }],
      [WORKERS.json, { type: js, body: parts.jsonWorker }],
      [WORKERS.graphql, { type: js, body: parts.graphqlWorker }],
    ]);
    const hash = createHash('sha256');
    for (const asset of assets.values()) hash.update(asset.body);
    return { version: hash.digest('base64url').slice(0, 12), assets };
  });
  return bundle;
}

/** The GraphiQL page, for yoga's `renderGraphiQL`: the options yoga passes (title, default query…) go to GraphiQL as they are. */
export async function renderGraphiQL(options: { title?: string } & Record<string, unknown>): Promise<string> {
  const { version } = await loadBundle();
  const base = `/graphiql/${version}`;
  const workers = Object.fromEntries(Object.entries(WORKERS).map(([label, file]) => [label, `${base}/${file}`]));
  // JSON inside <script>: "<" escaped so that no string in it can close the element.
  const json = (value: unknown) => JSON.stringify(value).replace(/</gu, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${base}/graphiql.css">
</head>
<body id="body" class="no-focus-outline">
<noscript>GraphiQL needs JavaScript.</noscript>
<div id="root"></div>
<script>self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (moduleId, label) => new URL(${json(workers)}[label], location.href).href };</script>
<script src="${base}/graphiql.js"></script>
<script>YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${json(options)});</script>
</body></html>
`;
}

/** GET /graphiql/<version>/<file>: a part of the bundle. */
export function graphiqlAssets(request: Request, url: URL): Promise<Response> | null {
  const match = /^\/graphiql\/([\w-]+)\/([\w.]+)$/u.exec(url.pathname);
  if (!match) return null;
  return serve(request, match[1]!, match[2]!);
}

async function serve(request: Request, version: string, file: string): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } });
  const current = await loadBundle();
  const asset = current.assets.get(file);
  // An old version's path (a page loaded before a deploy) gets a 404 rather than new code under an old name.
  if (!asset || version !== current.version) return new Response('no such GraphiQL file: reload /graphql\n', { status: 404 });
  const headers: Record<string, string> = {
    'content-type': asset.type,
    'cache-control': 'public, max-age=31536000, immutable',
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
  };
  const gzipped = /\bgzip\b/u.test(request.headers.get('accept-encoding') ?? '');
  if (gzipped) headers['content-encoding'] = 'gzip';
  if (request.method === 'HEAD') return new Response(null, { headers });
  if (!gzipped) return new Response(asset.body, { headers });
  asset.gzipped ??= compress(asset.body);
  return new Response(new Uint8Array(await asset.gzipped), { headers });
}
