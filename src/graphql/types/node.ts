// Query.node and Query.nodes: refetch anything by the opaque id it was served with.
import { brandWithType } from '@pothos/core';
import DataLoader from 'dataloader';
import type { Catalogue } from '../../catalogue/catalogue.ts';
import { parseArxivId } from '../../catalogue/identity.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { badInput } from '../errors.ts';
import { NODE_KEYS } from '../node-ids.ts';
import { AuthorRef, OrganizationRef, PaperRef } from '../refs.ts';
import { readTogether } from '../siblings.ts';

export const MAX_NODES = 100;

const NODE_TYPES = {
  Paper: { ref: PaperRef, valid: (key: string) => parseArxivId(key) === key, read: (c: Catalogue, keys: readonly string[]) => c.papersByArxivIds(keys, 'all') },
  Author: { ref: AuthorRef, valid: (key: string) => /^[1-9]\d{0,15}$/u.test(key), read: (c: Catalogue, keys: readonly string[]) => c.authorsByIds(keys.map(Number)) },
  Organization: { ref: OrganizationRef, valid: (key: string) => key !== '' && key === key.toLowerCase(), read: (c: Catalogue, keys: readonly string[]) => c.organizationsBySlugs(keys) },
} as const;

type NodeType = keyof typeof NODE_TYPES;

/** What Query.node keeps on a request's context: a loader per node type, made when first asked. */
export type NodeLoaders = Partial<Record<NodeType, DataLoader<string, object | null>>>;

/** The type and key inside a global id, as the relay plugin encodes them: base64("Type:key"). */
export function decodeId(argument: string, id: string): { type: NodeType; key: string } {
  const text = /^[A-Za-z0-9+/]+={0,2}$/u.test(id) ? Buffer.from(id, 'base64').toString('utf8') : '';
  const colon = text.indexOf(':');
  const type = text.slice(0, colon);
  const key = text.slice(colon + 1);
  if (colon < 0 || !Object.hasOwn(NODE_TYPES, type) || !NODE_TYPES[type as NodeType].valid(key)) {
    throw badInput(argument, `is not an id served by this API; got ${JSON.stringify(id)}`);
  }
  return { type: type as NodeType, key };
}

/**
 * The request's loader of `type`: the ids of one type asked anywhere in a
 * request (several node fields, a nodes list) share a statement, and the rows
 * it reads are read together.
 */
function loaderOf(ctx: Context, type: NodeType): DataLoader<string, object | null> {
  const loaders = (ctx.nodeLoaders ??= {});
  return (loaders[type] ??= new DataLoader(async (keys: readonly string[]) => {
    const keyOf = NODE_KEYS[type] as (row: object) => string;
    const byKey = new Map(readTogether<object>(await NODE_TYPES[type].read(ctx.catalogue, keys)).map((row) => [keyOf(row), row]));
    return keys.map((key) => byKey.get(key) ?? null);
  }));
}

async function load(ctx: Context, { type, key }: ReturnType<typeof decodeId>) {
  const node = await loaderOf(ctx, type).load(key);
  const { ref } = NODE_TYPES[type];
  // Tells the Node interface which type the row is.
  if (node) brandWithType(node, ref);
  return node;
}

builder.queryFields((t) => ({
  node: t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    description: 'Anything with an id (a Paper, an Author or an Organization), by that id. Null when it no longer exists.',
    args: { id: t.arg.id({ required: true, description: 'An id served by this API.' }) },
    resolve: (_root, { id }, ctx) => load(ctx, decodeId('id', String(id))),
  }),
  nodes: t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description: `Several nodes at once, in the order of \`ids\`: at most ${MAX_NODES} ids; unknown ids give null in their place.`,
    args: { ids: t.arg.idList({ required: true, description: `Ids served by this API (at most ${MAX_NODES}).` }) },
    resolve: (_root, { ids }, ctx) => {
      if (ids.length > MAX_NODES) throw badInput('ids', `holds ${ids.length} ids; at most ${MAX_NODES} are allowed`);
      const decoded = ids.map((id, i) => decodeId(`ids[${i}]`, String(id)));
      return decoded.map((d) => load(ctx, d));
    },
  }),
}));
