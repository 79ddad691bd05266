// Query.node and Query.nodes: refetch anything by the opaque id it was served with.
import { brandWithType } from '@pothos/core';
import { parseArxivId } from '../../catalogue/identity.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { badInput } from '../errors.ts';
import { AuthorRef, OrganizationRef, PaperRef } from '../refs.ts';

export const MAX_NODES = 100;

const NODE_TYPES = {
  Paper: { ref: PaperRef, valid: (key: string) => parseArxivId(key) === key },
  Author: { ref: AuthorRef, valid: (key: string) => /^[1-9]\d{0,15}$/u.test(key) },
  Organization: { ref: OrganizationRef, valid: (key: string) => key !== '' && key === key.toLowerCase() },
} as const;

/** The type and key inside a global id, as the relay plugin encodes them: base64("Type:key"). */
function decodeId(argument: string, id: string): { type: keyof typeof NODE_TYPES; key: string } {
  const text = /^[A-Za-z0-9+/]+={0,2}$/u.test(id) ? Buffer.from(id, 'base64').toString('utf8') : '';
  const colon = text.indexOf(':');
  const type = text.slice(0, colon);
  const key = text.slice(colon + 1);
  if (colon < 0 || !Object.hasOwn(NODE_TYPES, type) || !NODE_TYPES[type as keyof typeof NODE_TYPES].valid(key)) {
    throw badInput(argument, `is not an id served by this API; got ${JSON.stringify(id)}`);
  }
  return { type: type as keyof typeof NODE_TYPES, key };
}

async function load(ctx: Context, { type, key }: ReturnType<typeof decodeId>) {
  // Each type has its own batched loader; ids of one type in one request share a query.
  const { ref } = NODE_TYPES[type];
  const node = await ref.getDataloader(ctx).load(key);
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
