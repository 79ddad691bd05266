// Bounded cost per request: depth, aliases, directives and tokens (GraphQL
// Armor), and the number of nodes a request may ask for, counted before it
// runs. Every refusal is a GraphQL error with a stable extensions.code.
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import {
  getNamedType,
  getOperationAST,
  GraphQLError,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromASTUntyped,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.ts';
import { DEFAULT_PAGE_SIZE } from '../graphql/pagination.ts';

/** Armor reports without a code: give each kind of refusal its own. */
const withCode = (code: string) => ({
  onReject: [(_context: ValidationContext | null, error: GraphQLError) => void Object.assign(error.extensions, { code })],
  exposeLimits: true,
});

/**
 * How many nodes an operation asks for: each connection field counts its
 * `first` or `last` (default 20), multiplied by the sizes of the connections
 * it is nested in. `nodes(ids)` counts its ids.
 */
export function requestedNodes(
  schema: GraphQLSchema,
  selectionSet: SelectionSetNode,
  type: GraphQLNamedType,
  variables: Record<string, unknown>,
  fragments: Record<string, FragmentDefinitionNode>,
  multiplier = 1,
): number {
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments[selection.name.value];
      const on = fragment && schema.getType(fragment.typeCondition.name.value);
      if (fragment && on) total += requestedNodes(schema, fragment.selectionSet, on, variables, fragments, multiplier);
      continue;
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
      if (on) total += requestedNodes(schema, selection.selectionSet, on, variables, fragments, multiplier);
      continue;
    }
    if (!selection.selectionSet || !(isObjectType(type) || isInterfaceType(type))) continue;
    const field = type.getFields()[selection.name.value];
    if (!field) continue;
    const fieldType = getNamedType(field.type);
    const arg = (name: string) => {
      const node = selection.arguments?.find((a) => a.name.value === name);
      return node ? valueFromASTUntyped(node.value, variables) : undefined;
    };
    let size = 1;
    if (fieldType.name.endsWith('Connection')) {
      const first = arg('first') ?? arg('last');
      size = typeof first === 'number' && first > 0 ? first : DEFAULT_PAGE_SIZE;
      total += multiplier * size;
    } else if (selection.name.value === 'nodes' && Array.isArray(arg('ids'))) {
      size = (arg('ids') as unknown[]).length;
      total += multiplier * size;
    }
    total += requestedNodes(schema, selection.selectionSet, fieldType, variables, fragments, multiplier * size);
  }
  return total;
}

function nodeLimit(maxNodes: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) return;
      const fragments: Record<string, FragmentDefinitionNode> = {};
      for (const definition of args.document.definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
      }
      const root = args.schema.getRootType(operation.operation);
      if (!root) return;
      const nodes = requestedNodes(args.schema, operation.selectionSet, root, args.variableValues ?? {}, fragments);
      if (nodes > maxNodes) {
        setResultAndStopExecution({
          errors: [
            new GraphQLError(
              `Query asks for up to ${nodes} nodes; at most ${maxNodes} are allowed. Ask for smaller pages (first/last) or fewer nested lists.`,
              { extensions: { code: 'QUERY_TOO_COSTLY', requestedNodes: nodes, maxNodes } },
            ),
          ],
        });
      }
    },
  };
}

export function queryLimits({ limits, production }: Config): Plugin[] {
  return [
    maxTokensPlugin({ n: limits.maxTokens, ...withCode('QUERY_TOO_LONG') }),
    maxDepthPlugin({ n: limits.maxDepth, flattenFragments: true, ...withCode('QUERY_TOO_DEEP') }),
    maxAliasesPlugin({ n: limits.maxAliases, ...withCode('TOO_MANY_ALIASES') }),
    maxDirectivesPlugin({ n: limits.maxDirectives, ...withCode('TOO_MANY_DIRECTIVES') }),
    // "Did you mean …?" tells a stranger the schema field by field.
    ...(production ? [blockFieldSuggestionsPlugin()] : []),
    nodeLimit(limits.maxNodes),
  ] as Plugin[];
}
