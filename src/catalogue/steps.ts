// Writes written once for both engines. A write that reads what it has just
// written (the import's merge: is this author known? then insert it) is a
// generator that yields each statement's answer and is handed it back:
//
//   const found = yield* answer(statements.authorByKey(key));
//
// SQLite answers at once, and runNow drives the generator to its end without
// a promise, inside better-sqlite3's synchronous transaction; PostgreSQL
// answers with promises, and runLater awaits each. Babel's gensync does the
// same for code that must run sync or async.
import { isPromise, type MaybePromise } from './maybe.ts';

/** A write in steps: yields what it waits for, returns T. */
export type Steps<T> = Generator<unknown, T, unknown>;

/** The answer of one statement, once it is there. */
export function* answer<T>(value: MaybePromise<T>): Generator<MaybePromise<T>, T, unknown> {
  return (yield value) as T;
}

/** Runs the steps on an engine that answers at once (SQLite); a promise is a mistake. */
export function runNow<T>(steps: Steps<T>): T {
  let next = steps.next();
  while (!next.done) {
    if (isPromise(next.value)) throw new Error('a synchronous engine answered with a promise');
    next = steps.next(next.value);
  }
  return next.value;
}

/** Runs the steps, waiting for each answer; a statement's error is thrown where it was waited for. */
export async function runLater<T>(steps: Steps<T>): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    let value: unknown;
    try {
      value = await next.value;
    } catch (error) {
      next = steps.throw(error);
      continue;
    }
    next = steps.next(value);
  }
  return next.value;
}
