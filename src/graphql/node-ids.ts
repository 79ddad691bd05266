// The ids of nodes, and the `id` fields that serve them without a promise.
// The relay plugin's `id` fields are async functions (they await the key), so
// any query asking for `id`, as every normalizing client does, would resolve
// asynchronously: a promise per object, and Yoga's pipeline made asynchronous
// for the whole request. The key of each node type is a column of its row,
// so the `id` fields here encode it at once, as the relay plugin would.
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { GraphQLFieldResolver } from 'graphql';

/** The key inside the global id of each node type: what Query.node loads it by. */
export const NODE_KEYS = {
  Paper: (paper: { arxivId: string }) => paper.arxivId,
  Author: (author: { id: number }) => String(author.id),
  Organization: (organization: { slug: string }) => organization.slug,
} as const;

type NodeType = keyof typeof NODE_KEYS;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Pothos declares its plugins in this namespace
  namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      syncNodeIds: SyncNodeIdsPlugin<Types>;
    }
  }
}

export class SyncNodeIdsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (fieldConfig.name !== 'id' || !Object.hasOwn(NODE_KEYS, fieldConfig.parentType)) return resolver;
    const type = fieldConfig.parentType as NodeType;
    const key = NODE_KEYS[type] as (row: unknown) => string;
    return (parent) => encodeGlobalID(type, key(parent));
  }
}

/** The plugin's name, for the builder's list of plugins. */
export const syncNodeIdsPlugin = 'syncNodeIds';
SchemaBuilder.registerPlugin(syncNodeIdsPlugin, SyncNodeIdsPlugin);
