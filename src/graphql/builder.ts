import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import type { Context } from './context.ts';
import { deadlinePlugin } from './deadline.ts';
import { syncNodeIdsPlugin } from './node-ids.ts';

export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: {
    Date: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  Connection: { totalCount: () => number | Promise<number> };
}>({
  plugins: [RelayPlugin, deadlinePlugin, syncNodeIdsPlugin],
  defaultFieldNullability: false,
  relay: {
    cursorType: 'String',
    clientMutationId: 'omit',
    idFieldOptions: { description: 'Opaque global id: pass it to Query.node or Query.nodes to fetch this object again.' },
    nodesOnConnection: { description: 'The items of this page (the nodes of edges, without cursors).' },
    edgesFieldOptions: { nullable: false, description: 'The items of this page, each with its cursor.' },
    nodeFieldOptions: { nullable: false, description: 'The item.' },
    cursorFieldOptions: { description: 'Pass it as after (or before) to get the items after (or before) this one.' },
    pageInfoFieldOptions: { description: 'Where this page stands in the whole list.' },
    hasNextPageFieldOptions: { description: 'Whether there are items after this page.' },
    hasPreviousPageFieldOptions: {
      description: 'Whether there are items before this page (when paging forwards: true whenever `after` was given).',
    },
    startCursorFieldOptions: { description: 'Cursor of the first item of this page; null when the page is empty.' },
    endCursorFieldOptions: { description: 'Cursor of the last item of this page; null when the page is empty.' },
    firstArgOptions: { description: 'Page size, paging forwards: 1 to 100, default 20.' },
    afterArgOptions: { description: 'Start after this cursor.' },
    lastArgOptions: { description: 'Page size, paging backwards: 1 to 100.' },
    beforeArgOptions: { description: 'End before this cursor.' },
    pageInfoTypeOptions: { description: 'Relay page information.' },
    nodeTypeOptions: { description: 'An object with a global id.' },
    // node and nodes are defined in types/node.ts, to check ids and name the argument in errors.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
});

builder.queryType({ description: 'The paper catalogue: look up, list, rank and browse papers, authors and organizations.' });

builder.globalConnectionField('totalCount', (t) =>
  t.int({
    description: 'How many items the whole list holds, across all pages.',
    resolve: (connection) => connection.totalCount(),
  }),
);
