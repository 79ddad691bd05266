// Queries run as compiled JavaScript (graphql-jit): each document is compiled
// once into a function that resolves its fields without graphql-js walking
// the selection for every object. What compilation would change is left to
// graphql-js: variables are checked by it first, and a result with errors is
// made again by it, so that every error reads exactly as it did (graphql-jit
// words and places some differently); reads have no side effects, and errors
// are the rare case. Mutations, introspection and any document graphql-jit
// cannot compile run through graphql-js as before.
import { getOperationAST, getVariableValues, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

/** Documents that ask for the schema itself: graphql-js answers them (rare, and never hot). */
const INTROSPECTION = /\b__(?:schema|type)\b/u;

const isPromise = <T>(value: T | Promise<T>): value is Promise<T> => typeof (value as Promise<T>)?.then === 'function';

function compile(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): CompiledQuery | null {
  if (document.loc && INTROSPECTION.test(document.loc.source.body)) return null;
  try {
    const compiled = compileQuery(schema, document, operationName);
    return isCompiledQuery(compiled) ? compiled : null;
  } catch {
    return null;
  }
}

/** How executions went, for tests: compiled, or left to graphql-js (and why). */
export interface CompiledStats {
  compiled: number;
  notCompiled: number;
  badVariables: number;
  redoneForErrors: number;
}

type Execute = (args: ExecutionArgs) => ExecutionResult | Promise<ExecutionResult>;

/**
 * What runs an execution compiled, if it can be: given the execution and
 * graphql-js' execute (the fallback, for variables it must check and for
 * results with errors), the compiled execution, or null to leave it to
 * graphql-js. Yoga's plugin below and the execution threads share it.
 */
export function compiledExecution(stats: CompiledStats = { compiled: 0, notCompiled: 0, badVariables: 0, redoneForErrors: 0 }) {
  // Keyed by the parsed document, which Yoga keeps in its parse cache for repeated requests.
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();
  return (args: ExecutionArgs, fallback: Execute): Execute | null => {
    const operation = getOperationAST(args.document, args.operationName);
    if (operation?.operation !== 'query') {
      stats.notCompiled++;
      return null;
    }
    let byName = compiled.get(args.document);
    if (!byName) compiled.set(args.document, (byName = new Map()));
    const name = args.operationName ?? '';
    let query = byName.get(name);
    if (query === undefined) byName.set(name, (query = compile(args.schema, args.document, args.operationName ?? undefined)));
    if (query === null) {
      stats.notCompiled++;
      return null;
    }
    const variables = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {}, { maxErrors: 50 });
    if (variables.errors) {
      stats.badVariables++;
      return null;
    }
    stats.compiled++;
    const run = query;
    return (execution) => {
      const checked = (result: ExecutionResult) => {
        if (!result.errors?.length) return result;
        stats.redoneForErrors++;
        return fallback(execution);
      };
      const result = run.query(execution.rootValue, execution.contextValue, execution.variableValues);
      return isPromise(result) ? result.then(checked) : checked(result);
    };
  };
}

export function compiledQueries(stats?: CompiledStats): Plugin {
  const prepare = compiledExecution(stats);
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const run = prepare(args, executeFn as Execute);
      if (run) setExecuteFn(run);
    },
  };
}
