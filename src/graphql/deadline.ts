// The time limit of an execution, checked before each resolver that computes
// something (fields that only show a column of their parent are not): once
// the execution's deadline has passed, the next such resolver throws
// REQUEST_TIMEOUT, and with it every statement it would have run. The
// deadline is on the request's context (set by executionTimeout in
// src/http/limits.ts), so no async context tracking is needed: Node's
// AsyncLocalStorage would slow every promise of every request.
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import { GraphQLError, type GraphQLFieldResolver } from 'graphql';

/** What executionTimeout puts on the context of an execution. */
export interface Deadline {
  /** The instant (Date.now()) after which the execution is cut off. */
  at: number;
  /** The limit, for the message. */
  ms: number;
}

/** The deadline of an execution that starts now and may take `ms`. */
export function deadlineAfter(ms: number): Deadline {
  return { at: Date.now() + ms, ms };
}

export const REQUEST_TIMEOUT = 'REQUEST_TIMEOUT';

/** REQUEST_TIMEOUT (HTTP 503): what a request cut off at its deadline answers. */
export function deadlineError(deadline: Deadline): GraphQLError {
  return new GraphQLError(`Request took longer than ${deadline.ms} ms and was cut off.`, { extensions: { code: REQUEST_TIMEOUT, http: { status: 503 } } });
}

/** Throws REQUEST_TIMEOUT once the deadline has passed. */
export function checkDeadline(deadline: Deadline | undefined): void {
  if (deadline !== undefined && Date.now() > deadline.at) throw deadlineError(deadline);
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Pothos declares its plugins in this namespace
  namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      deadline: DeadlinePlugin<Types>;
    }
  }
}

export class DeadlinePlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (fieldConfig.extensions?.pothosExposedField !== undefined) return resolver;
    return (parent, args, context, info) => {
      checkDeadline((context as { deadline?: Deadline }).deadline);
      return resolver(parent, args, context, info);
    };
  }
}

/** The plugin's name, for the builder's list of plugins. */
export const deadlinePlugin = 'deadline';
SchemaBuilder.registerPlugin(deadlinePlugin, DeadlinePlugin);
