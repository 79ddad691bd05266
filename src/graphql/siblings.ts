// Batching without waiting: the rows a request reads together (a page, the
// papers of a lookup) are siblings, and the first of them asked for a field
// that takes a statement (authors, organization, papers…) loads that field for
// all of them, there and then. The siblings are known when the page is read,
// so there is no need to wait for the other rows to ask, as a DataLoader does
// (on either engine: on PostgreSQL the load is a promise that all the
// siblings share, still one statement per field per page). On SQLite, which
// answers synchronously, a query whose
// fields all resolve this way executes without a promise, and Yoga's pipeline
// stays synchronous too (a promise anywhere in the result costs about 50 µs of
// server CPU a request over HTTP). Statements per request stay the same: one
// per field per page.
//
// What was loaded is kept on the siblings' array itself, not in a WeakMap
// keyed by it, whose values V8's young-generation collector keeps alive: a
// request's rows and all loaded for them would outlive it (test/memory.test.ts).
import type { Page } from '../catalogue/keyset.ts';
import { isPromise, type MaybePromise } from '../catalogue/maybe.ts';

const SIBLINGS = Symbol('siblings');
const LOADED = Symbol('loaded');

/** What a field loaded for a set of siblings: one value per sibling, the error its load threw, or those values to come. */
type Loaded = { values: Map<object, unknown> } | { error: unknown } | { later: Promise<Map<object, unknown>> };

type Siblings = readonly object[] & { [LOADED]?: Map<unknown, Loaded> };

type Row = object & { [SIBLINGS]?: Siblings };

/**
 * Marks `rows` as read together, in place: they are the request's own, read
 * for it. Returns them.
 */
export function readTogether<T extends object>(rows: T[]): T[] {
  for (const row of rows) (row as Row)[SIBLINGS] = rows;
  return rows;
}

/**
 * Marks `rows` as read together with the value of `field` for each, read with
 * them (one per row, in order): loadTogether then answers that field from
 * these values without loading. Returns the rows.
 */
export function readTogetherWith<T extends object>(rows: T[], field: unknown, values: readonly unknown[]): T[] {
  ((readTogether(rows) as Siblings)[LOADED] ??= new Map()).set(field, { values: bySibling(rows, values) });
  return rows;
}

/** Marks the rows of `pages` as read together: one set of siblings across all of them. */
export function pagesReadTogether<T extends object>(pages: Iterable<Page<T>>): void {
  const rows: T[] = [];
  for (const page of pages) for (const { row } of page.rows) rows.push(row);
  readTogether(rows);
}

/** Marks the rows of `page` as read together. Returns it. */
export function pageReadTogether<T extends object, P extends Page<T>>(page: P): P {
  pagesReadTogether([page]);
  return page;
}

/**
 * The value of a field for `row`, loaded for it and all its siblings by one
 * call of `load` (values in the order of the rows it is given) the first time
 * any of them is asked: at once if `load` answers at once, else a promise. `field`
 * tells fields and their variants apart: the same key must mean the same
 * load. A row read alone is its own sibling.
 */
export function loadTogether<T extends object, V>(row: T, field: unknown, load: (rows: readonly T[]) => MaybePromise<readonly V[]>): MaybePromise<V> {
  const siblings = ((row as Row)[SIBLINGS] ??= [row]) as Siblings & readonly T[];
  const fields: Map<unknown, Loaded> = (siblings[LOADED] ??= new Map());
  let loaded = fields.get(field);
  if (!loaded) {
    try {
      const values = load(siblings);
      loaded = isPromise(values) ? { later: values.then((v: readonly V[]) => bySibling(siblings, v)) } : { values: bySibling(siblings, values) };
    } catch (error) {
      loaded = { error };
    }
    fields.set(field, loaded);
  }
  if ('error' in loaded) throw loaded.error;
  if ('later' in loaded) return loaded.later.then((values) => values.get(row) as V);
  return loaded.values.get(row) as V;
}

function bySibling(siblings: readonly object[], values: readonly unknown[]): Map<object, unknown> {
  const map = new Map<object, unknown>();
  for (let i = 0; i < siblings.length; i++) map.set(siblings[i]!, values[i]);
  return map;
}
