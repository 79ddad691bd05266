// A value now or later. SQLite answers synchronously and PostgreSQL with
// promises; the GraphQL layer takes either, so that a query on SQLite still
// executes without a promise (graphql/siblings.ts says why that matters).

export type MaybePromise<T> = T | Promise<T>;

export const isPromise = <T>(value: MaybePromise<T>): value is Promise<T> => typeof (value as { then?: unknown } | null)?.then === 'function';

/** `next` of the value: at once when it is here, when it comes when it is a promise. (Not named `then`: a module exporting `then` is a thenable, and `await import()` of it would call it.) */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(value) ? value.then(next) : next(value);
}

/** The values of a list of maybe-promises: a list at once when none is a promise. */
export function all<T>(values: readonly MaybePromise<T>[]): MaybePromise<T[]> {
  return values.some(isPromise) ? Promise.all(values) : (values as T[]);
}
