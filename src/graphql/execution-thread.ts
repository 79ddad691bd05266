// One execution thread: runs the queries (and answers the feeds and lists of
// papers) the main thread hands it on its own read-only connection, one at a
// time, and posts back each result with the SQL it ran. Started by
// execution-threads.ts through execution-thread.mjs.
import { execute, GraphQLError, parse, type DocumentNode, type ExecutionResult } from 'graphql';
import { parentPort, workerData } from 'node:worker_threads';
import { sqliteCatalogue } from '../catalogue/catalogue.ts';
import { openCatalogueReader } from '../catalogue/index.ts';
import { sqliteMailStore } from '../mail/mail-store.ts';
import { compiledExecution } from './compiled.ts';
import { createContext } from './context.ts';
import { answerRoute } from '../routes/catalogue-routes.ts';
import type { OperationTask, RouteAnswer, ThreadAnswer, ThreadData, ThreadError, ThreadTask } from './execution-threads.ts';
import { schema } from './schema.ts';

const { file } = workerData as ThreadData;
const database = openCatalogueReader(file);
const catalogue = sqliteCatalogue(database);
const prepare = compiledExecution();
const mail = { publicUrl: '', nudge: () => {} }; // queries send no mail

/** Parsed documents by their text; the main thread has validated them. */
const documents = new Map<string, DocumentNode>();
function documentOf(query: string): DocumentNode {
  let document = documents.get(query);
  if (!document) {
    document = parse(query);
    documents.set(query, document);
    if (documents.size > 500) documents.delete(documents.keys().next().value!);
  }
  return document;
}

/** An error as the main thread rebuilds it; an error that is not a GraphQLError stays one to mask. */
function serialized(error: GraphQLError): ThreadError {
  const cause = error.originalError;
  return {
    message: error.message,
    positions: error.positions,
    path: error.path,
    extensions: error.extensions,
    unexpected: cause && !(cause instanceof GraphQLError) ? { message: cause.message, stack: cause.stack } : undefined,
  };
}

async function run(task: Extract<ThreadTask, OperationTask>): Promise<ExecutionResult> {
  const contextValue = createContext(catalogue, sqliteMailStore(database.db), mail);
  contextValue.deadline = task.deadline;
  const args = { schema, document: documentOf(task.query), operationName: task.operationName, variableValues: task.variables, contextValue };
  return (prepare(args, execute) ?? execute)(args);
}

async function route(task: Extract<ThreadTask, { route: unknown }>): Promise<RouteAnswer> {
  const response = await answerRoute(catalogue, task.route);
  return { status: response.status, headers: [...response.headers], body: response.body ? await response.text() : null };
}

parentPort!.on('message', async (task: ThreadTask) => {
  const sql: string[] = [];
  database.statements.onQuery = (statement) => sql.push(statement);
  let answer: ThreadAnswer;
  try {
    if ('route' in task) {
      answer = { id: task.id, route: await route(task), sql };
    } else {
      const result = await run(task);
      answer = { id: task.id, data: result.data, errors: result.errors?.map(serialized), sql };
    }
  } catch (error) {
    answer = { id: task.id, errors: [serialized(new GraphQLError('Unexpected error.', { originalError: error as Error }))], sql };
  }
  database.statements.onQuery = undefined;
  parentPort!.postMessage(answer);
});
parentPort!.postMessage('ready');
