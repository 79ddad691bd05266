// Connection arguments in, Relay connections out. Cursors are opaque to
// clients: base64url of the list's order and the sort key of the row.
import { isKeyOf, type KeyValue, type Page, type PageRequest, type SortKey } from '../catalogue/keyset.ts';
import { andThen, type MaybePromise } from '../catalogue/maybe.ts';
import { badInput } from './errors.ts';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export function encodeCursor(order: string, key: KeyValue[]): string {
  return Buffer.from(JSON.stringify([order, ...key])).toString('base64url');
}

function decodeCursor(argument: 'after' | 'before', cursor: string, order: string, keys: SortKey[]): KeyValue[] {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = null;
  }
  if (!Array.isArray(decoded) || decoded[0] !== order || !isKeyOf(keys, decoded.slice(1))) {
    throw badInput(argument, `is not a cursor of this list in this order: pass a cursor returned by the same field with the same orderBy`);
  }
  return decoded.slice(1) as KeyValue[];
}

function pageSize(argument: 'first' | 'last', value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw badInput(argument, `must be between 1 and ${MAX_PAGE_SIZE}; got ${value}`);
  }
  return value;
}

/** Checks the arguments of a connection and turns them into a page request. */
export function pageRequest(args: ConnectionArgs, order: string, keys: SortKey[]): PageRequest {
  if (args.first != null && args.last != null) throw badInput('last', 'cannot be combined with "first": page forwards or backwards');
  if (args.last != null) {
    if (args.after != null) throw badInput('after', 'goes with "first"; with "last", use "before"');
    return {
      forward: false,
      size: pageSize('last', args.last),
      before: args.before == null ? null : decodeCursor('before', args.before, order, keys),
    };
  }
  if (args.before != null) throw badInput('before', 'goes with "last"; with "first", use "after"');
  return {
    forward: true,
    size: pageSize('first', args.first ?? DEFAULT_PAGE_SIZE),
    after: args.after == null ? null : decodeCursor('after', args.after, order, keys),
  };
}

export interface Connection<T, E extends object = object> {
  edges: ({ cursor: string; node: T } & E)[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => MaybePromise<number>;
}

export function toConnection<T>(page: Page<T>, order: string, totalCount: () => MaybePromise<number>): Connection<T>;
export function toConnection<R, T, E extends object>(
  page: Page<R>,
  order: string,
  totalCount: () => MaybePromise<number>,
  toEdge: (row: R) => { node: T } & E,
): Connection<T, E>;
export function toConnection<R>(
  page: Page<R>,
  order: string,
  totalCount: () => MaybePromise<number>,
  toEdge: (row: R) => { node: unknown } = (row) => ({ node: row }),
): Connection<unknown> {
  const edges = page.rows.map(({ row, key }) => Object.assign(new Edge(order, key), toEdge(row)));
  return { edges: edges as Connection<unknown>['edges'], pageInfo: new PageInfo(page, edges), totalCount };
}

/**
 * Edges and page information encode their cursors when asked for them: most
 * queries ask for the nodes alone, and a cursor takes a JSON and a base64 encoding.
 */
class Edge {
  constructor(
    private readonly order: string,
    private readonly key: KeyValue[],
  ) {}

  get cursor(): string {
    return encodeCursor(this.order, this.key);
  }
}

class PageInfo {
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;

  constructor(
    page: Page<unknown>,
    private readonly edges: Edge[],
  ) {
    this.hasNextPage = page.hasNextPage;
    this.hasPreviousPage = page.hasPreviousPage;
  }

  get startCursor(): string | null {
    return this.edges[0]?.cursor ?? null;
  }

  get endCursor(): string | null {
    return this.edges.at(-1)?.cursor ?? null;
  }
}

/** Checks the arguments, fetches the page and wraps it as a connection, in one call. */
export function resolveConnection<T>(
  args: ConnectionArgs,
  order: string,
  keys: SortKey[],
  fetch: (request: PageRequest) => MaybePromise<Page<T>>,
  count: () => MaybePromise<number>,
): MaybePromise<Connection<T>> {
  return andThen(fetch(pageRequest(args, order, keys)), (page) => toConnection(page, order, count));
}
