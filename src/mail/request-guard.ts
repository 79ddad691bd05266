// Mail a request can cause: at most one mutation that sends mail per HTTP
// request, counted over every operation of a batch, every alias and every
// fragment, and refused before any of them runs. Without it, one request of
// 10 operations × 30 aliases queued 300 confirmation mails for one rate-limit
// token. The plugin also tells the resolvers who is asking (the client's
// address and its daily subscription budget, see mail/subscriptions.ts).
import { GraphQLError, Kind, parse, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.ts';
import { clientAddress } from '../http/limits.ts';
import type { Requester } from './subscriptions.ts';

/** Root mutation fields that queue mail. A new one that sends mail belongs here. */
export const MAIL_MUTATIONS: ReadonlySet<string> = new Set(['subscribeToDigest']);

const MAIL_MUTATION_NAMES = [...MAIL_MUTATIONS];

export const TOO_MANY_MAIL_MUTATIONS = 'TOO_MANY_MAIL_MUTATIONS';

/** Mail-sending fields at the root of the mutations that may run, aliases and fragments included. */
export function mailMutationCount(document: DocumentNode, operationName: string | null | undefined): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const inSelection = (set: SelectionSetNode, seen: Set<string>): number => {
    let n = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) n += MAIL_MUTATIONS.has(selection.name.value) ? 1 : 0;
      else if (selection.kind === Kind.INLINE_FRAGMENT) n += inSelection(selection.selectionSet, seen);
      else {
        const fragment = fragments.get(selection.name.value);
        // A spread counts every time it is spread (aliases are not merged); a cycle is a validation error later.
        if (fragment && !seen.has(fragment.name.value)) n += inSelection(fragment.selectionSet, new Set(seen).add(fragment.name.value));
      }
    }
    return n;
  };
  let total = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION || definition.operation !== 'mutation') continue;
    if (operationName && definition.name?.value !== operationName) continue;
    total += inSelection(definition.selectionSet, new Set());
  }
  return total;
}

/** A document that cannot name a mail mutation (most are reads) is not parsed again here. */
const mayNameMailMutation = (query: unknown): boolean => typeof query === 'string' && MAIL_MUTATION_NAMES.some((name) => query.includes(name));

function countIn(params: unknown): number {
  const { query, operationName } = (params ?? {}) as { query?: unknown; operationName?: unknown };
  if (typeof query !== 'string') return 0;
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch {
    return 0; // Yoga refuses it with its syntax error
  }
  return mailMutationCount(document, typeof operationName === 'string' ? operationName : null);
}

/**
 * The guard, and the requester on the context. Register it after the
 * persisted operations, which fill in the documents sent by hash.
 */
export function mailRequestGuard(config: Config): Plugin {
  // One hook object for every request, not one made per request.
  const parsing = {
    onRequestParseDone({ requestParserResult }: { requestParserResult: unknown }) {
      const items: unknown[] = Array.isArray(requestParserResult) ? requestParserResult : [requestParserResult];
      const suspects = items.filter((params) => mayNameMailMutation((params as { query?: unknown } | null)?.query));
      const count = suspects.reduce<number>((n, params) => n + countIn(params), 0);
      if (count > 1) {
        throw new GraphQLError(
          `A request may hold at most one mutation that sends mail (${MAIL_MUTATION_NAMES.join(', ')}), counting every operation of a batch and every alias; this one holds ${count}. Send them one request at a time.`,
          { extensions: { code: TOO_MANY_MAIL_MUTATIONS, http: { status: 400 } } },
        );
      }
    },
  };
  return {
    onRequestParse: () => parsing,
    onContextBuilding({ context, extendContext }) {
      // Yoga's context holds the server context (node:http's req) next to the request.
      const requester: Requester = {
        address: clientAddress((context as unknown as { request: Request }).request, context, config.limits.trustProxy),
        subscriptionsPerDay: config.mail.subscriptionsPerIpPerDay,
      };
      extendContext({ requester } as never);
    },
  };
}
