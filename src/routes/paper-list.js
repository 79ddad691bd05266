// <paper-list>: papers from this catalogue's GraphQL API, on any page.
// Served as /embed.js (see embed.ts); plain modern JavaScript, no dependencies.
//
//   <script type="module" src="https://papers.example/embed.js"></script>
//   <paper-list trending="WEEK" limit="5"></paper-list>
//
// Attributes: trending (DAY | WEEK | MONTH | ALL), organization (a slug),
// query (a search), related (an arXiv id), limit (1 to 100, default 10),
// theme (light | dark | auto) and api (the GraphQL endpoint; default
// /graphql next to this script). related wins over everything else and lists
// the papers most like that one (Paper.related), each with why; a query wins
// over trending; an organization alone lists that organization's newest
// papers, and narrows trending or a search. Nothing set: trending WEEK.
//
// All data from the API is set as text. The one exception is a search's
// titleHighlight, which the server HTML-escapes and marks with <mark>: it is
// parsed inertly and only its text and <mark> elements are kept.

const DEFAULT_API = new URL('/graphql', import.meta.url).href;
const WINDOWS = { DAY: 'today', WEEK: 'this week', MONTH: 'this month', ALL: 'of all time' };
const SHOWN_AUTHORS = 3;

const PAPER_FIELDS = 'arxivId title url upvotes authorCount authors { name } organization { name }';

const STYLE = `
  :host {
    display: block;
    color-scheme: light dark;
    --_background: var(--paper-list-background, light-dark(#ffffff, #16181d));
    --_text: var(--paper-list-text, light-dark(#1b1d22, #e8e9ed));
    --_muted: var(--paper-list-muted, light-dark(#5d6270, #a3a8b5));
    --_accent: var(--paper-list-accent, light-dark(#1a56c4, #8ab4ff));
    --_border: var(--paper-list-border, light-dark(#dfe1e6, #2f333c));
    --_mark: var(--paper-list-mark, light-dark(#fff1a8, #6b5a00));
    --_error: var(--paper-list-error, light-dark(#b42318, #ff9b8f));
    font: var(--paper-list-font, 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  }
  :host([theme="light"]) { color-scheme: light; }
  :host([theme="dark"]) { color-scheme: dark; }
  :host([hidden]) { display: none; }

  section {
    background: var(--_background);
    color: var(--_text);
    border: 1px solid var(--_border);
    border-radius: var(--paper-list-radius, 10px);
    padding: 0.9em 1.1em;
  }
  h2 { font-size: 1.05em; margin: 0 0 0.5em; }
  ol { margin: 0; padding: 0; list-style: none; counter-reset: paper; }
  li {
    counter-increment: paper;
    display: grid;
    grid-template-columns: 1.8em 1fr auto;
    gap: 0 0.6em;
    padding: 0.6em 0;
    border-top: 1px solid var(--_border);
  }
  li:first-child { border-top: 0; }
  li::before { content: counter(paper) "."; content: counter(paper) "." / ""; color: var(--_muted); text-align: right; font-variant-numeric: tabular-nums; }
  a { color: var(--_accent); font-weight: 600; text-decoration: none; }
  a:hover { text-decoration: underline; }
  a:focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; border-radius: 2px; }
  mark { background: var(--_mark); color: inherit; border-radius: 2px; padding: 0 0.1em; }
  .meta { grid-column: 2; margin: 0.15em 0 0; color: var(--_muted); font-size: 0.87em; }
  /* Separators and numbers are decoration: the "/ ''" alternative text keeps screen readers quiet. */
  .organization::before { content: " · "; content: " · " / ""; }
  .because { grid-column: 2; margin: 0.15em 0 0; color: var(--_muted); font-size: 0.87em; font-style: italic; }
  .upvotes { grid-column: 3; grid-row: 1 / span 2; color: var(--_muted); font-size: 0.87em; white-space: nowrap; font-variant-numeric: tabular-nums; }
  .status { margin: 0.4em 0; color: var(--_muted); }
  .error { color: var(--_error); }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
`;

/** What to show, read from the attributes; throws a message for values that cannot work. */
function settingsOf(element) {
  const limitText = element.getAttribute('limit')?.trim() || '10';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new Error(`limit must be a whole number from 1 to 100, not "${limitText}"`);
  const organization = element.getAttribute('organization')?.trim().toLowerCase() || null;
  const query = element.getAttribute('query')?.trim() || null;
  const trending = element.getAttribute('trending')?.trim().toUpperCase() || 'WEEK';
  if (!(trending in WINDOWS)) throw new Error(`trending must be DAY, WEEK, MONTH or ALL, not "${trending}"`);
  const related = element.getAttribute('related')?.trim() || null;
  const api = element.getAttribute('api')?.trim() || DEFAULT_API;
  const mode = related ? 'related' : query ? 'search' : organization && !element.hasAttribute('trending') ? 'organization' : 'trending';
  return { api, mode, limit, organization: related ? null : organization, query, trending, related };
}

/** The GraphQL request for the settings, and how to read papers out of its data. */
function requestOf({ mode, limit, organization, query, trending, related }) {
  if (mode === 'related') {
    return {
      query: `query PaperListRelated($arxivId: String!, $first: Int) {
        paper(arxivId: $arxivId) { title related(first: $first) { edges { because { summary } node { ${PAPER_FIELDS} } } } }
      }`,
      variables: { arxivId: related, first: limit },
      papers: (data) => data.paper?.related.edges.map((edge) => ({ ...edge.node, because: edge.because.summary })) ?? [],
    };
  }
  const filter = organization ? { organizations: [organization] } : null;
  const orgName = organization ? 'org: organization(slug: $organization) { name }' : '';
  const orgVariable = organization ? ', $organization: String!' : '';
  if (mode === 'search') {
    return {
      query: `query PaperListSearch($query: String!, $filter: PaperFilter, $first: Int${orgVariable}) {
        searchPapers(query: $query, filter: $filter, first: $first) { edges { titleHighlight node { ${PAPER_FIELDS} } } }
        ${orgName}
      }`,
      variables: { query, filter, first: limit, organization },
      papers: (data) => data.searchPapers.edges.map((edge) => ({ ...edge.node, titleHighlight: edge.titleHighlight })),
    };
  }
  if (mode === 'organization') {
    return {
      query: `query PaperListOrganization($organization: String!, $first: Int) {
        org: organization(slug: $organization) { name papers(first: $first) { nodes { ${PAPER_FIELDS} } } }
      }`,
      variables: { organization, first: limit },
      papers: (data) => data.org?.papers.nodes ?? [],
    };
  }
  return {
    query: `query PaperListTrending($window: TrendingWindow, $filter: PaperFilter, $first: Int${orgVariable}) {
      trendingPapers(window: $window, filter: $filter, first: $first) { nodes { ${PAPER_FIELDS} } }
      ${orgName}
    }`,
    variables: { window: trending, filter, first: limit, organization },
    papers: (data) => data.trendingPapers.nodes,
  };
}

function headingOf({ mode, organization, query, trending, related }, data) {
  if (mode === 'related') return `Papers related to “${data?.paper?.title ?? related}”`;
  const from = organization ? ` from ${data?.org?.name ?? organization}` : '';
  if (mode === 'search') return `Papers matching “${query}”${from}`;
  if (mode === 'organization') return `Latest papers${from}`;
  return `Trending papers${from} ${WINDOWS[trending]}`;
}

async function fetchData(api, { query, variables }, signal) {
  let response;
  try {
    response = await fetch(api, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ query, variables }),
      signal,
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new Error('Could not reach the paper catalogue.');
  }
  const body = await response.json().catch(() => null);
  if (body?.errors?.length) throw new Error(body.errors[0].message);
  if (!response.ok || !body?.data) throw new Error(`The paper catalogue answered ${response.status}.`);
  return body.data;
}

/** Elements for a server-escaped highlight: its text, and only <mark> elements. */
function highlighted(html) {
  const template = document.createElement('template');
  template.innerHTML = html; // inert: nothing in a template runs or loads
  return [...template.content.childNodes].map((node) => {
    if (node.nodeName !== 'MARK') return document.createTextNode(node.textContent);
    const mark = document.createElement('mark');
    mark.textContent = node.textContent;
    return mark;
  });
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function paperItem(paper) {
  const item = element('li');
  item.setAttribute('part', 'item');
  const link = element('a');
  link.href = paper.url;
  link.setAttribute('part', 'link');
  if (paper.titleHighlight) link.append(...highlighted(paper.titleHighlight));
  else link.textContent = paper.title;

  const meta = element('p', 'meta');
  const names = paper.authors.slice(0, SHOWN_AUTHORS).map((a) => a.name);
  const more = paper.authorCount - names.length;
  const authors = names.length ? `${names.join(', ')}${more > 0 ? ' et al.' : ''}` : `${paper.authorCount} author${paper.authorCount === 1 ? '' : 's'}`;
  meta.append(element('span', 'authors', authors));
  if (paper.organization) meta.append(element('span', 'organization', paper.organization.name));

  const upvotes = element('span', 'upvotes');
  const arrow = element('span', '', '▲ ');
  arrow.setAttribute('aria-hidden', 'true');
  upvotes.append(arrow, String(paper.upvotes), element('span', 'visually-hidden', paper.upvotes === 1 ? ' upvote' : ' upvotes'));

  item.append(link, upvotes, meta);
  if (paper.because) item.append(element('p', 'because', `Why: ${paper.because}`));
  return item;
}

export class PaperList extends HTMLElement {
  static observedAttributes = ['trending', 'organization', 'query', 'related', 'limit', 'theme', 'api'];

  #section;
  #heading;
  #body;
  #controller = null;
  #scheduled = false;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const style = element('style', '', STYLE);
    this.#section = element('section');
    this.#section.setAttribute('part', 'container');
    this.#heading = element('h2');
    this.#heading.id = 'heading';
    this.#heading.setAttribute('part', 'heading');
    this.#section.setAttribute('aria-labelledby', 'heading');
    this.#body = element('div');
    this.#section.append(this.#heading, this.#body);
    root.append(style, this.#section);
  }

  connectedCallback() {
    this.#schedule();
  }

  disconnectedCallback() {
    this.#controller?.abort();
    this.#controller = null;
  }

  attributeChangedCallback(name, before, after) {
    // The theme is CSS only; several attributes set together load once.
    if (name !== 'theme' && before !== after && this.isConnected) this.#schedule();
  }

  #schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (this.isConnected) void this.#load();
    });
  }

  async #load() {
    this.#controller?.abort();
    const controller = (this.#controller = new AbortController());
    let settings;
    try {
      settings = settingsOf(this);
    } catch (error) {
      this.#heading.textContent = 'Papers';
      this.#show(element('p', 'status error', error.message), 'alert');
      return;
    }
    this.#heading.textContent = headingOf(settings);
    this.#show(element('p', 'status', 'Loading papers…'), 'status', true);
    try {
      const request = requestOf(settings);
      const data = await fetchData(settings.api, request, controller.signal);
      if (controller.signal.aborted) return;
      this.#heading.textContent = headingOf(settings, data);
      const papers = request.papers(data);
      if (settings.related && !data.paper) this.#show(element('p', 'status', `No paper “${settings.related}”.`), 'status');
      else if (settings.organization && !data.org) this.#show(element('p', 'status', `No organization “${settings.organization}”.`), 'status');
      else if (!papers.length) this.#show(element('p', 'status', 'No papers found.'), 'status');
      else {
        const list = element('ol');
        list.setAttribute('part', 'list');
        list.setAttribute('role', 'list'); // Safari drops the list role of lists without list-style
        list.append(...papers.map(paperItem));
        this.#show(list);
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      this.#show(element('p', 'status error', `Could not load papers: ${error.message}`), 'alert');
    }
  }

  #show(content, role, busy = false) {
    if (role) content.setAttribute('role', role);
    this.#body.replaceChildren(content);
    this.#section.setAttribute('aria-busy', String(busy));
  }
}

if (!customElements.get('paper-list')) customElements.define('paper-list', PaperList);
