// The object types' refs, declared before they are implemented so that the
// type files can refer to each other. Query.node loads each node by the key
// inside its global id (types/node.ts).
import type { AuthorRow } from '../catalogue/authors.ts';
import type { OrganizationRow } from '../catalogue/organizations.ts';
import type { ListedPaper } from '../catalogue/papers.ts';
import { builder } from './builder.ts';
import { NODE_KEYS } from './node-ids.ts';

/** A paper of a list ranked by trending score, with the score it was ranked by. */
export type RankedPaper = ListedPaper & { rankedScore?: number };

export const PaperRef = builder.nodeRef<ListedPaper>('Paper', { id: { resolve: NODE_KEYS.Paper } });

export const AuthorRef = builder.nodeRef<AuthorRow>('Author', { id: { resolve: NODE_KEYS.Author } });

export const OrganizationRef = builder.nodeRef<OrganizationRow>('Organization', { id: { resolve: NODE_KEYS.Organization } });

export const PaperConnection = builder.connectionObject(
  { type: PaperRef, name: 'PaperConnection', description: 'A page of papers.' },
  {
    name: 'PaperEdge',
    description: 'A paper and its cursor.',
    fields: (t) => ({
      score: t.float({
        nullable: true,
        description:
          "The trending score this list was ranked by, at the list's asOf and over its window (trendingPapers, or an order by TRENDING); null in lists ranked otherwise. Paper.trendingScore is the same for every list: the WEEK's score at the catalogue's default asOf.",
        resolve: ({ node }) => (node as RankedPaper).rankedScore ?? null,
      }),
    }),
  },
);

export const AuthorConnection = builder.connectionObject(
  { type: AuthorRef, name: 'AuthorConnection', description: 'A page of authors.' },
  { name: 'AuthorEdge', description: 'An author and its cursor.' },
);

export const OrganizationConnection = builder.connectionObject(
  { type: OrganizationRef, name: 'OrganizationConnection', description: 'A page of organizations.' },
  { name: 'OrganizationEdge', description: 'An organization and its cursor.' },
);
