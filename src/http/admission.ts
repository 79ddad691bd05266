// Admission: the one step every operation passes before it runs, whatever
// brought it (POST, GET, a batch, a persisted operation, a response-cache
// hit). It measures the operation with the values its variables will really
// have (those sent, else the document's defaults, else the argument's
// default), refuses it if it is too deep, has too many aliases or directives,
// or asks for too many nodes, and charges its cost in points to the client's
// budget. Tokens are counted by the parser itself (a document must be parsed
// before anything can be measured): maxTokens below.
//
// Cost, as GitHub's and Shopify's GraphQL APIs count it: each page counts its
// `first`/`last`, `nodes(ids)` its ids, a plain list the most it can hold in
// this catalogue (a paper's authors: the largest author count), and each of
// these multiplies what is nested in it. A search adds SEARCH_TERM_NODES for
// each term, and PREFIX_WORD_NODES for each known word a prefix starts (FTS5
// reads the index of every one: `a*` starts 2,000, `diffus*` 13), a
// related-paper connection RELATED_NODES each time it is read, a list
// ordered by TRENDING TRENDING_CANDIDATE_NODES for each paper it scores, a
// list filtered by what its order's index does not bound
// FILTERED_CANDIDATE_NODES for each paper it may check, trendingPapers over a
// window TRENDING_WINDOW_NODES, a name search NAME_WORD_NODES for each word,
// and introspection its lists by the schema's own sizes. A point is 1,000
// nodes.
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import {
  getNamedType,
  getNullableType,
  getOperationAST,
  GraphQLError,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  parse,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  valueFromASTUntyped,
  visit,
  type ArgumentNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { CatalogueSizes } from '../catalogue/authors.ts';
import type { Catalogue } from '../catalogue/catalogue.ts';
import { isPromise, type MaybePromise } from '../catalogue/maybe.ts';
import { namePrefixWords, searchTerms } from '../catalogue/search-query.ts';
import type { Config } from '../config.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../graphql/pagination.ts';
import { rateLimitedError, rateStateOf, type RateLimiter } from './limits.ts';

/**
 * Nodes a search term counts for: FTS5 reads a doclist for each, and for a
 * prefix the doclists of every indexed word it starts (and of up to 64 known
 * words added to it). Calibrated in test/bench/README.md: three two-letter
 * prefixes took 421 ms on the 4,216 bundled papers, so at most two fit in
 * MAX_QUERY_NODES.
 */
export const SEARCH_TERM_NODES = 1_000;
export const PREFIX_WORD_NODES = 250;
/**
 * Nodes a related-paper connection (Paper.related, Query.recommendedPapers)
 * counts for each time it is read, besides its page: it reads and scores up
 * to 20 terms × 200 postings (catalogue/related.ts), work that its page size
 * does not show. Calibrated in test/bench/README.md at 100,000 papers.
 */
export const RELATED_NODES = 4_000;
/**
 * Nodes for each paper that a list ordered by TRENDING scores: its score decays
 * with each paper's upvote history, so every candidate is scored before the
 * first of the page is known (the whole catalogue for Query.papers, the
 * largest organization's or author's papers for theirs). Calibrated in
 * test/bench/README.md at 100,000 papers.
 */
export const TRENDING_CANDIDATE_NODES = 0.5;
/**
 * Nodes for each paper that a filtered list may read to fill its page: a
 * filter that its order's index does not bound (hasCode, or minUpvotes in
 * an order by publication) is checked paper by paper, and one that few papers
 * meet reads them all (the same candidates as TRENDING's). Calibrated in
 * test/bench/README.md at 100,000 papers.
 */
export const FILTERED_CANDIDATE_NODES = 0.1;
/**
 * Nodes for each read of trendingPapers over a shorter window than ALL: it
 * scores every paper listed in the window before the first of the page is
 * known (a MONTH at 100,000 papers: 10–20 ms, 30 aliases of it 230 ms at 30
 * nodes). Calibrated in test/bench/README.md at 100,000 papers.
 */
export const TRENDING_WINDOW_NODES = new Map([
  ['DAY', 1_000],
  ['WEEK', 2_000],
  ['MONTH', 5_000],
]);
/**
 * Nodes for each word of an author or organization name search: each is a
 * prefix read in the names' index (32 one-letter words: 20 ms at 100,000
 * papers). Calibrated in test/bench/README.md at 100,000 papers.
 */
export const NAME_WORD_NODES = 250;
export const NODES_PER_POINT = 1_000;

/** What the catalogue bounds that the cost reads: known only from the data. */
export interface CatalogueBounds {
  /** The catalogue's largest counts (0 each until read). */
  sizes: CatalogueSizes;
  /** How many known words start with a prefix. */
  wordsStartingWith(prefix: string): number;
}

/** Papers that a list of papers may read (to score them, or to check a filter), by the type it is a field of. */
function candidates(parent: string, sizes: CatalogueSizes): number {
  if (parent === 'Organization') return sizes.papersPerOrganization;
  if (parent === 'Author') return sizes.papersPerAuthor;
  return sizes.papers;
}

/** The filter of PaperFilterInput that each order's index bounds by itself. */
const BOUNDED_BY: Record<string, string> = { PUBLISHED_AT: 'published', LISTED_ON: 'listed', UPVOTES: 'minUpvotes' };
const CHECKED_ONE_BY_ONE = ['published', 'listed', 'minUpvotes', 'hasCode'];

/**
 * What a list of papers costs besides its page, by the order its rows are read
 * in (null: a trending window's few papers): a TRENDING order scores every
 * candidate; any other reads them until its page is full, checking each
 * against a filter its index does not bound.
 */
function candidateWork(order: string | null, filter: unknown, parent: string, sizes: CatalogueSizes): number {
  if (order === 'TRENDING') return Math.ceil(candidates(parent, sizes) * TRENDING_CANDIDATE_NODES);
  if (order === null || typeof filter !== 'object' || filter === null) return 0;
  const given = Object.entries(filter).filter(([name, value]) => value != null && CHECKED_ONE_BY_ONE.includes(name) && name !== BOUNDED_BY[order]);
  return given.length ? Math.ceil(candidates(parent, sizes) * FILTERED_CANDIDATE_NODES) : 0;
}

/**
 * Nodes a search reads besides its page: SEARCH_TERM_NODES for each term,
 * PREFIX_WORD_NODES for each known word a prefix starts. The same for every
 * search, whatever asks for it: Query.searchPapers, a digest's query, a feed's q.
 */
export function searchNodes(query: string, wordsStartingWith: (prefix: string) => number): number {
  const { terms, prefixes } = searchTerms(query);
  let nodes = terms * SEARCH_TERM_NODES;
  for (const prefix of prefixes) nodes += wordsStartingWith(prefix) * PREFIX_WORD_NODES;
  return nodes;
}

/** searchNodes for a search outside an operation (a feed's q), its prefixes' words counted in the catalogue. */
export async function searchNodesIn(catalogue: Catalogue, query: string): Promise<number> {
  const counts = new Map<string, number>();
  for (const prefix of searchTerms(query).prefixes) counts.set(prefix, await catalogue.countWordsStartingWith(prefix));
  return searchNodes(query, (prefix) => counts.get(prefix) ?? 0);
}

/** What an operation asks for, measured before it runs. */
export interface Measure {
  depth: number;
  aliases: number;
  directives: number;
  nodes: number;
  /**
   * Whether a connection is nested in a list (an organization's papers for each
   * of a page of organizations): one statement numbers every paper of every
   * group to cut their pages, work that the nodes do not show.
   */
  nestedPages: boolean;
}

/** The cost a response reports in extensions.cost. */
export interface Cost {
  /** Nodes the operation can return at most. */
  requestedNodes: number;
  /** The most one operation may ask for (MAX_QUERY_NODES). */
  maxNodes: number;
  /** What was charged to the client's budget: one point per 1,000 nodes, at least one. */
  points: number;
  /** Points left in the client's budget, and when it is full again; null when rate limiting is off. */
  budget: { remaining: number; limit: number; resetSeconds: number } | null;
}

type Variables = Record<string, unknown>;

/** The values the variables will have when the operation runs: those given, else the document's defaults. */
function effectiveVariables(operation: OperationDefinitionNode, given: Variables): Variables {
  const values: Variables = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (given[name] !== undefined) values[name] = given[name];
    else if (definition.defaultValue) values[name] = valueFromASTUntyped(definition.defaultValue);
  }
  return values;
}

/** Points of a request that asks for `nodes`: one per NODES_PER_POINT, at least one. */
export const pointsOf = (nodes: number): number => Math.max(1, Math.ceil(nodes / NODES_PER_POINT));

/**
 * The most items each list of the introspection types (`__Schema.types`,
 * `__Type.fields`…) holds in this schema: what a plain list of them counts.
 * Introspection is otherwise free (and its depth not counted: the standard
 * query nests `ofType` seven deep), but 30 aliases of the whole schema were
 * 2.9 MB at 0 nodes.
 */
const introspectionSizes = new WeakMap<GraphQLSchema, Record<string, number>>();
function introspectionSizesOf(schema: GraphQLSchema): Record<string, number> {
  let sizes = introspectionSizes.get(schema);
  if (sizes) return sizes;
  const types = Object.values(schema.getTypeMap());
  const most = (counts: number[]) => Math.max(0, ...counts);
  const fields = types.flatMap((type) => (isObjectType(type) || isInterfaceType(type) ? Object.values(type.getFields()) : []));
  sizes = {
    types: types.length,
    fields: most(types.map((type) => (isObjectType(type) || isInterfaceType(type) ? Object.keys(type.getFields()).length : 0))),
    inputFields: most(types.map((type) => (isInputObjectType(type) ? Object.keys(type.getFields()).length : 0))),
    enumValues: most(types.map((type) => (isEnumType(type) ? type.getValues().length : 0))),
    interfaces: most(types.map((type) => (isObjectType(type) || isInterfaceType(type) ? type.getInterfaces().length : 0))),
    possibleTypes: most(types.map((type) => (isAbstractType(type) ? schema.getPossibleTypes(type).length : 0))),
    args: most([...fields, ...schema.getDirectives()].map((field) => field.args.length)),
    directives: schema.getDirectives().length,
    locations: most(schema.getDirectives().map((directive) => directive.locations.length)),
  };
  introspectionSizes.set(schema, sizes);
  return sizes;
}

/**
 * Measures an operation. Fragments are measured once each (their nodes scale
 * with the page they are spread in), so a document that spreads fragments
 * many times is measured in time linear in its length.
 */
export function measure(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  given: Variables,
  bounds: CatalogueBounds,
): Measure {
  const variables = effectiveVariables(operation, given);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  type Measured = { nodes: number; depth: number; pages: boolean };
  const measured = new Map<string, Measured>();
  let nestedPages = false;

  const argument = (field: GraphQLField<unknown, unknown>, nodes: readonly ArgumentNode[] | undefined, name: string): unknown => {
    const node = nodes?.find((a) => a.name.value === name);
    const value = node ? valueFromASTUntyped(node.value, variables) : undefined;
    return value ?? field.args.find((a) => a.name === name)?.defaultValue;
  };

  /** Nodes and depth of a selection, for one parent, and whether it holds a connection. */
  function selection(set: SelectionSetNode, type: GraphQLNamedType): Measured {
    let nodes = 0;
    let depth = 0;
    let pages = false;
    for (const item of set.selections) {
      let inner: Measured | undefined;
      if (item.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(item.name.value);
        const on = fragment && schema.getType(fragment.typeCondition.name.value);
        if (!fragment || !on) continue;
        inner = measured.get(fragment.name.value);
        if (!inner) {
          // Admission comes before validation: a fragment that spreads itself counts nothing (validation refuses it next).
          measured.set(fragment.name.value, { nodes: 0, depth: 0, pages: false });
          measured.set(fragment.name.value, (inner = selection(fragment.selectionSet, on)));
        }
      } else if (item.kind === Kind.INLINE_FRAGMENT) {
        const on = item.typeCondition ? schema.getType(item.typeCondition.name.value) : type;
        if (on) inner = selection(item.selectionSet, on);
      }
      if (inner) {
        nodes += inner.nodes;
        depth = Math.max(depth, inner.depth);
        pages ||= inner.pages;
        continue;
      }
      if (item.kind !== Kind.FIELD) continue;
      const meta = type === schema.getQueryType() ? { __schema: SchemaMetaFieldDef, __type: TypeMetaFieldDef }[item.name.value] : undefined;
      const field = meta ?? (isObjectType(type) || isInterfaceType(type) ? type.getFields()[item.name.value] : undefined);
      if (!field || !item.selectionSet) {
        depth = Math.max(depth, 1);
        continue;
      }
      const fieldType = getNamedType(field.type);
      const arg = (name: string) => argument(field, item.arguments, name);
      // How many objects this field gives for one parent, and whether they are a list that counts.
      let size = 1;
      let list = true;
      if (fieldType.name.endsWith('Connection')) {
        const first = arg('first') ?? arg('last');
        size = typeof first === 'number' && first > 0 ? first : DEFAULT_PAGE_SIZE;
      } else if (item.name.value === 'nodes' && Array.isArray(arg('ids'))) {
        size = (arg('ids') as unknown[]).length;
      } else if (isListType(getNullableType(field.type)) && !type.name.endsWith('Connection')) {
        // A plain list (a connection's own nodes and edges are its page, counted above).
        size =
          type.name === 'Paper' && item.name.value === 'authors'
            ? bounds.sizes.authorsPerPaper
            : type.name.startsWith('__')
              ? (introspectionSizesOf(schema)[item.name.value] ?? MAX_PAGE_SIZE)
              : MAX_PAGE_SIZE;
      } else {
        list = false;
      }
      // A search, or a digest's query, searched for each digest it sends.
      const query = item.name.value === 'searchPapers' ? arg('query') : item.name.value === 'subscribeToDigest' ? (arg('input') as { query?: unknown } | undefined)?.query : undefined;
      const terms = typeof query === 'string' ? searchNodes(query, (prefix) => bounds.wordsStartingWith(prefix)) : 0;
      let read = 0;
      if (fieldType.name === 'PaperConnection') {
        // trendingPapers over ALL reads in the order of upvotes; a shorter window ranks only its own papers.
        // Measured before validation: a field that is not an enum value (`field: {}`) is left to it.
        const ordered = (arg('orderBy') as { field?: unknown } | undefined)?.field;
        const order = item.name.value === 'trendingPapers' ? (arg('window') === 'ALL' ? 'UPVOTES' : null) : typeof ordered === 'string' ? ordered : 'PUBLISHED_AT';
        read = candidateWork(order, arg('filter'), type.name, bounds.sizes);
        const window = arg('window');
        if (order === null && typeof window === 'string') read += TRENDING_WINDOW_NODES.get(window) ?? 0;
      }
      const name = type === schema.getQueryType() && (item.name.value === 'authors' || item.name.value === 'organizations') ? arg('query') : undefined;
      if (typeof name === 'string') read += namePrefixWords(name).length * NAME_WORD_NODES;
      const work = terms + read + (fieldType.name === 'RelatedPaperConnection' ? RELATED_NODES : 0);
      const below = selection(item.selectionSet, fieldType);
      nodes += work + (list ? size : 0) + size * below.nodes;
      if (!fieldType.name.startsWith('__')) depth = Math.max(depth, 1 + below.depth);
      if (list && size > 1 && below.pages) nestedPages = true;
      pages ||= below.pages || fieldType.name.endsWith('Connection');
    }
    return { nodes, depth, pages };
  }

  const root = schema.getRootType(operation.operation);
  const { nodes, depth } = root ? selection(operation.selectionSet, root) : { nodes: 0, depth: 0 };
  // Aliases and directives as written: each one asks for work of its own.
  let aliases = 0;
  let directives = 0;
  const count = (node: DocumentNode | OperationDefinitionNode | FragmentDefinitionNode) =>
    visit(node, {
      Field: (field) => void (field.alias && aliases++),
      Directive: () => void directives++,
    });
  count(operation);
  for (const fragment of fragments.values()) count(fragment);
  return { depth, aliases, directives, nodes, nestedPages };
}

const refusal = (message: string, code: string, extensions: Record<string, unknown> = {}) => new GraphQLError(message, { extensions: { code, ...extensions } });

/** The first limit an operation breaks, as the error every path answers with; null if it breaks none. */
export function limitBroken(measured: Measure, limits: Config['limits']): GraphQLError | null {
  if (measured.depth > limits.maxDepth) {
    return refusal(`Query is ${measured.depth} fields deep; at most ${limits.maxDepth} are allowed.`, 'QUERY_TOO_DEEP', { depth: measured.depth, maxDepth: limits.maxDepth });
  }
  if (measured.aliases > limits.maxAliases) {
    return refusal(`Query has ${measured.aliases} aliases; at most ${limits.maxAliases} are allowed.`, 'TOO_MANY_ALIASES', { aliases: measured.aliases, maxAliases: limits.maxAliases });
  }
  if (measured.directives > limits.maxDirectives) {
    return refusal(`Query has ${measured.directives} directives; at most ${limits.maxDirectives} are allowed.`, 'TOO_MANY_DIRECTIVES', {
      directives: measured.directives,
      maxDirectives: limits.maxDirectives,
    });
  }
  if (measured.nodes > limits.maxNodes) {
    return refusal(
      `Query asks for up to ${measured.nodes} nodes; at most ${limits.maxNodes} are allowed. Ask for smaller pages (first/last) or fewer nested lists.`,
      'QUERY_TOO_COSTLY',
      { requestedNodes: measured.nodes, maxNodes: limits.maxNodes },
    );
  }
  return null;
}

/**
 * The catalogue's bounds, read again when the data changes. A catalogue that
 * answers later (PostgreSQL) has its counts read as a measure asks for them:
 * `pending` is then what the measure lacked, and it measures again once read.
 */
function catalogueBounds(catalogue: Catalogue) {
  let version: string | null = null;
  const unread: CatalogueSizes = { authorsPerPaper: 0, papers: 0, papersPerOrganization: 0, papersPerAuthor: 0 };
  let sizes: MaybePromise<CatalogueSizes> = unread;
  const counts = new Map<string, number>();
  const waiting: Promise<unknown>[] = [];
  const bounds: CatalogueBounds = {
    get sizes() {
      if (isPromise(sizes)) {
        waiting.push(sizes);
        return unread;
      }
      return sizes;
    },
    wordsStartingWith(prefix) {
      const known = counts.get(prefix);
      if (known !== undefined) return known;
      const n = catalogue.countWordsStartingWith(prefix);
      if (counts.size >= 10_000) counts.clear();
      if (!isPromise(n)) {
        counts.set(prefix, n);
        return n;
      }
      waiting.push(n.then((read) => counts.set(prefix, read)));
      return 0;
    },
  };
  return {
    /** The bounds as of the catalogue's data now. */
    current(): CatalogueBounds {
      try {
        const now = catalogue.dataVersion();
        if (now !== version) {
          version = now;
          counts.clear();
          sizes = catalogue.catalogueSizes();
          if (isPromise(sizes)) {
            const read = sizes;
            read.then((n) => sizes === read && (sizes = n), () => (version = null));
          }
        }
      } catch {
        // The catalogue cannot be read: the operation fails on its own, and says so with its request.
      }
      return bounds;
    },
    /** What the last measure lacked, read; null when it lacked nothing. */
    pending(): Promise<unknown> | null {
      if (waiting.length === 0) return null;
      const all = Promise.all(waiting.splice(0));
      return all.then(undefined, () => undefined);
    },
  };
}

// On the operation's context (one per operation, even in a batch), for its result's extensions.
const COST = Symbol('cost');
const NESTED_PAGES = Symbol('nested pages');
type Costed = { [COST]?: Cost; [NESTED_PAGES]?: boolean };

/** The cost admission measured for the operation of this context, if it measured one. */
export const costOf = (context: unknown): Cost | undefined => (context as Costed)[COST];

/** Whether the operation of this context asks for connections nested in a list (Measure.nestedPages). */
export const hasNestedPages = (context: unknown): boolean => (context as Costed)[NESTED_PAGES] ?? false;

/** Parsed documents by their text: Yoga parses again from its own cache, this one is the admission's. */
function documentCache(maxTokens: number, size = 1_000) {
  const documents = new Map<string, DocumentNode | null>();
  return (query: string): DocumentNode | null => {
    let document = documents.get(query);
    if (document === undefined) {
      try {
        document = parse(query, { noLocation: true, maxTokens });
      } catch {
        document = null; // Yoga's parse says what is wrong
      }
      documents.set(query, document);
      if (documents.size > size) documents.delete(documents.keys().next().value!);
    }
    return document;
  };
}

/**
 * The admission step, as Yoga plugins: the parser's token limit, then the
 * check of every operation as its parameters arrive. Register it after the
 * response cache: all onParams hooks run, and the last result set wins, so a
 * refusal replaces a cached answer.
 */
export function admission(schema: GraphQLSchema, catalogue: Catalogue, limiter: RateLimiter, { limits, production }: Config): Plugin[] {
  const bounds = catalogueBounds(catalogue);
  const parsed = documentCache(limits.maxTokens);
  const admit: Plugin = {
    onParams({ params, request, context, setResult }) {
      if (typeof params?.query !== 'string') return;
      const document = parsed(params.query);
      const operation = document && getOperationAST(document, params.operationName ?? undefined);
      if (!document || !operation) return;
      const given = params.variables !== null && typeof params.variables === 'object' ? (params.variables as Variables) : {};
      const admitted = (measured: Measure) => {
        const broken = limitBroken(measured, limits);
        if (broken) return setResult({ errors: [broken] });
        const points = pointsOf(measured.nodes);
        const rate = rateStateOf(request);
        if (rate) {
          const decision = limiter.take(rate.client, points);
          if (decision) {
            rate.decision = decision;
            if (!decision.allowed) return setResult({ errors: [rateLimitedError(limits, decision, points)] });
          }
        }
        (context as Costed)[NESTED_PAGES] = measured.nestedPages;
        (context as Costed)[COST] = {
          requestedNodes: measured.nodes,
          maxNodes: limits.maxNodes,
          points,
          budget: rate ? { remaining: rate.decision.remaining, limit: limits.rateBurst, resetSeconds: rate.decision.resetSeconds } : null,
        };
      };
      const measured = measure(schema, document, operation, given, bounds.current());
      const pending = bounds.pending();
      if (!pending) return admitted(measured);
      // Measured again once the counts it lacked are read: the same measure, the same checks, on every engine
      // (a catalogue that cannot be read leaves them at 0 after three tries; the operation then fails on its own).
      const again = async (tries: number): Promise<void> => {
        const remeasured = measure(schema, document, operation, given, bounds.current());
        const lacking = bounds.pending();
        if (!lacking || tries === 0) return admitted(remeasured);
        await lacking;
        return again(tries - 1);
      };
      return pending.then(() => again(2));
    },
    onExecutionResult({ result, setResult, context }) {
      const cost = (context as Costed)[COST];
      if (!cost || !result || Symbol.asyncIterator in result) return;
      setResult({ ...result, extensions: { ...result.extensions, cost } });
    },
  };
  return [
    maxTokensPlugin({
      n: limits.maxTokens,
      onReject: [(_context: ValidationContext | null, error: GraphQLError) => void Object.assign(error.extensions, { code: 'QUERY_TOO_LONG' })],
      exposeLimits: true,
    }),
    // "Did you mean …?" tells a stranger the schema field by field.
    ...(production ? [blockFieldSuggestionsPlugin()] : []),
    admit,
  ] as Plugin[];
}
