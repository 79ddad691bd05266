// The whole schema: importing the type files registers them on the builder.
import { builder } from './builder.ts';
import './types/scalars.ts';
import './types/paper-filter.ts';
import './types/paper.ts';
import './types/trending.ts';
import './types/author.ts';
import './types/organization.ts';
import './types/digest.ts';
import './types/search.ts';
import './types/subscription.ts';
import './types/node.ts';
import './types/related.ts';

export const schema = builder.toSchema({ sortSchema: false });
