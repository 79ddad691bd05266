// The whole schema: importing the type files registers them on the builder.
import { GraphQLSchema } from 'graphql';
import { builder } from './builder.ts';
import './types/scalars.ts';
import './types/paper-filter.ts';
import './types/paper.ts';
import './types/upvote-history.ts';
import './types/trending.ts';
import './types/author.ts';
import './types/organization.ts';
import './types/digest.ts';
import './types/search.ts';
import './types/subscription.ts';
import './types/node.ts';
import './types/related.ts';

const built = builder.toSchema({ sortSchema: false });

// Pothos' toSchema takes no description; the schema is the same with one.
export const schema = new GraphQLSchema({
  ...built.toConfig(),
  description:
    'A catalogue of research papers, as listed day by day with their upvotes: trending papers by day, week or month, ' +
    'papers by arXiv id, organization or author, full-text search, daily, weekly and monthly lists, and digests by mail. ' +
    'Lists are Relay connections; ids are opaque global ids (Query.node).',
});
