// Expensive queries run in a small pool of worker threads, each with its own
// read-only connection, so that no request holds the event loop while it
// runs: the main thread keeps answering cheap reads, /health and the rest.
// SQL statements are synchronous, and the time limit between resolvers
// (deadline.ts) cannot cut one short; here the main thread answers 503 at
// the deadline whatever the thread is doing, and replaces the thread.
//
// Mutations (the only writers) and operations of at most INLINE_POINTS run
// on the main thread, where a thread's hand-over would cost more than they do,
// unless they nest pages in a list (their statement reads every paper of every
// group: 150 ms for a page of prolific authors' papers at 100,000 papers).
// The feeds and the daily-papers API's lists run here too (threadedRoutes).
import { GraphQLError, getOperationAST, Source, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Worker } from 'node:worker_threads';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Database } from '../db/index.ts';
import { readsMany, type RouteTask } from '../routes/catalogue-routes.ts';
import { costOf, hasNestedPages } from '../http/admission.ts';
import { log } from '../log.ts';
import type { Context } from './context.ts';
import { deadlineAfter, deadlineError, type Deadline } from './deadline.ts';

/** Operations that cost this many points or fewer run on the main thread (a point is 1,000 nodes). */
export const INLINE_POINTS = 1;

/** How long after its deadline a thread may still answer for itself before the main thread does. */
const ANSWER_GRACE_MS = 100;

export interface ThreadData {
  /** The catalogue's file. */
  file: string;
}

/** An operation to execute. */
export interface OperationTask {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/** What a thread is handed: an operation or a catalogue route (a feed, a list of papers), and when it must have answered. */
export type Task = (OperationTask | { route: RouteTask }) & { deadline: Deadline };
export type ThreadTask = Task & { id: number };

/** A route's response, as a thread posts it back. */
export interface RouteAnswer {
  status: number;
  headers: [string, string][];
  body: string | null;
}

export interface ThreadError {
  message: string;
  positions?: readonly number[];
  path?: readonly (string | number)[];
  extensions: Record<string, unknown>;
  /** The cause of an error that is not a GraphQLError: masked as "Unexpected error.", logged. */
  unexpected?: { message: string; stack?: string };
}

export interface ThreadAnswer {
  id: number;
  data?: ExecutionResult['data'];
  errors?: ThreadError[];
  route?: RouteAnswer;
  /** The statements it ran, counted on the main connection's listener as if run there. */
  sql: string[];
}

interface Pending {
  task: ThreadTask;
  resolve(answer: ThreadAnswer | null): void;
  timer: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  running: Pending | null;
  ready: boolean;
}

export interface ExecutionThreads {
  /** Starts the threads now rather than at the first expensive query. */
  start(): void;
  /** False once a thread could not start: operations then run on the main thread. */
  readonly available: boolean;
  /** The answer, or null when the deadline passed first, the threads were closed, or they could not start (`available`). */
  run(task: Task): Promise<ThreadAnswer | null>;
  close(): Promise<void>;
}

const entry = new URL('./execution-thread.mjs', import.meta.url);

export function startExecutionThreads(size: number, data: ThreadData, registry?: Registry): ExecutionThreads {
  const slots: Slot[] = [];
  const queue: Pending[] = [];
  const registers = registry ? [registry] : [];
  const answeredTotal = new Counter({ name: 'graphql_execution_threads_answered_total', help: 'Queries, feeds and lists of papers answered by an execution thread.', registers });
  const replacedTotal = new Counter({ name: 'graphql_execution_threads_replaced_total', help: 'Execution threads replaced: cut off at a request deadline, or crashed.', registers });
  new Gauge({
    name: 'graphql_execution_threads_ready',
    help: 'Execution threads started and ready to run queries.',
    registers,
    collect() {
      this.set(slots.filter((slot) => slot.ready).length);
    },
  });
  new Gauge({
    name: 'graphql_execution_queue_length',
    help: 'Expensive queries, feeds and lists of papers waiting for an execution thread.',
    registers,
    collect() {
      this.set(queue.length);
    },
  });
  let nextId = 0;
  let closed = false;
  let failed = false;

  const spawn = (): Slot => {
    const slot: Slot = { worker: new Worker(entry, { workerData: data }), running: null, ready: false };
    slot.worker.on('message', (answer: ThreadAnswer | 'ready') => {
      if (answer === 'ready') {
        slot.ready = true;
        return;
      }
      const pending = slot.running;
      if (pending?.task.id !== answer.id) return;
      slot.running = null;
      clearTimeout(pending.timer);
      answeredTotal.inc();
      pending.resolve(answer);
      dispatch();
    });
    slot.worker.on('error', (error) => log.error('execution thread failed', { error }));
    // A thread never keeps the process alive. After the 'message' listener, whose port would otherwise hold it.
    slot.worker.unref();
    slot.worker.on('exit', () => {
      if (closed || !slots.includes(slot)) return;
      if (!slot.ready) {
        // It could not even start (the error is logged): running more would fail the same way.
        log.error('execution threads unavailable: expensive operations run on the main thread');
        failed = true;
        void threads.close();
        return;
      }
      // Crashed: what it was running fails as an unexpected error, and a new thread takes its place.
      const pending = slot.running;
      replace(slot);
      if (pending) {
        clearTimeout(pending.timer);
        pending.resolve({ id: pending.task.id, errors: [{ message: 'Unexpected error.', extensions: {}, unexpected: { message: 'execution thread exited' } }], sql: [] });
      }
    });
    return slot;
  };

  const replace = (slot: Slot): void => {
    replacedTotal.inc();
    slots[slots.indexOf(slot)] = spawn();
    void slot.worker.terminate(); // stops once the statement it is in returns
    dispatch();
  };

  const dispatch = (): void => {
    // Threads start when first needed: an app that never runs an expensive query starts none.
    if (slots.length < size && queue.length > slots.filter((s) => !s.running).length) slots.push(spawn());
    for (const slot of slots) {
      if (slot.running || queue.length === 0) continue;
      slot.running = queue.shift()!;
      slot.worker.postMessage(slot.running.task);
    }
  };

  const cutOff = (pending: Pending): void => {
    const queued = queue.indexOf(pending);
    if (queued >= 0) queue.splice(queued, 1);
    const slot = slots.find((s) => s.running === pending);
    if (slot) {
      slot.running = null;
      replace(slot);
    }
    pending.resolve(null);
  };

  const threads: ExecutionThreads = {
    start() {
      while (!closed && slots.length < size) slots.push(spawn());
    },
    get available() {
      return !failed;
    },
    run(task) {
      if (closed) return Promise.resolve(null);
      return new Promise((resolve) => {
        const pending: Pending = { task: { ...task, id: nextId++ }, resolve, timer: undefined as unknown as NodeJS.Timeout };
        pending.timer = setTimeout(() => cutOff(pending), Math.max(0, task.deadline.at - Date.now()) + ANSWER_GRACE_MS);
        queue.push(pending);
        dispatch();
      });
    },
    async close() {
      closed = true;
      const stopped = slots.splice(0);
      for (const pending of [...queue.splice(0), ...stopped.flatMap((slot) => slot.running ?? [])]) {
        clearTimeout(pending.timer);
        pending.resolve(null);
      }
      await Promise.all(stopped.map((slot) => slot.worker.terminate()));
    },
  };
  return threads;
}

/** Rebuilds a thread's error on the main thread, located in the document the client sent. */
function rebuilt(error: ThreadError, source: Source | undefined): GraphQLError {
  const cause = error.unexpected && Object.assign(new Error(error.unexpected.message), { stack: error.unexpected.stack });
  return new GraphQLError(error.message, { source, positions: error.positions, path: error.path, extensions: error.extensions, originalError: cause });
}

/**
 * The Yoga plugin: an admitted query that costs more than INLINE_POINTS, or
 * nests pages in a list, runs in a thread. Register it after compiledQueries,
 * whose execution it replaces, and before the response cache, which then wraps
 * (and stores) what it answers.
 */
export function executionThreads(threads: ExecutionThreads | null, database: Database | null): Plugin {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      if (!threads?.available) return;
      const context = args.contextValue as unknown as Context;
      if (getOperationAST(args.document, args.operationName)?.operation !== 'query') return;
      if ((costOf(context)?.points ?? Infinity) <= INLINE_POINTS && !hasNestedPages(context)) return;
      const source = args.document.loc?.source;
      if (!source) return;
      setExecuteFn(async (executed): Promise<ExecutionResult> => {
        // Set by executionTimeout, whose onExecute comes after this one.
        const deadline = context.deadline;
        if (!deadline) return executeFn(executed) as Promise<ExecutionResult>;
        const answer = await threads.run({ query: source.body, operationName: args.operationName, variables: args.variableValues, deadline });
        // Cut off, unless it was the threads that went: they could not start, and the main thread runs it.
        if (!answer) return threads.available ? { errors: [deadlineError(deadline)] } : (executeFn(executed) as Promise<ExecutionResult>);
        countStatements(database!, answer);
        return answer.errors ? { data: answer.data, errors: answer.errors.map((e) => rebuilt(e, source)) } : { data: answer.data };
      });
    },
  };
}

/** A thread's statements, counted on the main connection's listener as if run there. */
function countStatements(database: Database, answer: ThreadAnswer): void {
  for (const sql of answer.sql) {
    database.statements.count++;
    database.statements.onQuery?.(sql);
  }
}

/**
 * The catalogue routes (routes/catalogue-routes.ts) answered in a thread: a
 * month's feed is every paper of the month, 250 ms at 100,000 papers, which
 * the main thread would make everyone wait for. At REQUEST_TIMEOUT_MS the main
 * thread answers 503. `inline` answers on the main thread when the threads
 * could not start, and for one paper.
 */
export function threadedRoutes(threads: ExecutionThreads, database: Database, timeoutMs: number, inline: (task: RouteTask) => Promise<Response>) {
  return async (task: RouteTask): Promise<Response> => {
    // One paper (/api/papers/:id) is a lookup, answered here as GraphQL's are.
    if (!threads.available || !readsMany(task)) return inline(task);
    const deadline = deadlineAfter(timeoutMs);
    const answer = await threads.run({ route: task, deadline });
    if (!answer && !threads.available) return inline(task);
    if (!answer) return new Response(`${deadlineError(deadline).message}\n`, { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    countStatements(database, answer);
    if (!answer.route) {
      log.error('unexpected error in a route', { url: task.url, error: answer.errors?.[0]?.unexpected ?? answer.errors?.[0] });
      return new Response('Unexpected error.\n', { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    }
    return new Response(answer.route.body, { status: answer.route.status, headers: answer.route.headers });
  };
}
