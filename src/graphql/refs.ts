// The object types' refs, declared before they are implemented so that the
// type files can refer to each other. Each node loads by the key inside its
// global id, batched per request; the rows of a batch are read together
// (siblings.ts).
import { authorsByIds, type AuthorRow } from '../catalogue/authors.ts';
import { organizationsBySlugs, type OrganizationRow } from '../catalogue/organizations.ts';
import { papersByArxivIds, type ListedPaper } from '../catalogue/papers.ts';
import { builder } from './builder.ts';
import { NODE_KEYS } from './node-ids.ts';
import { readTogether } from './siblings.ts';

export const PaperRef = builder.loadableNodeRef('Paper', {
  id: { resolve: (paper: ListedPaper) => NODE_KEYS.Paper(paper) },
  load: async (arxivIds: string[], { db }) => readTogether(papersByArxivIds(db, arxivIds)),
  sort: (paper) => paper.arxivId,
});

export const AuthorRef = builder.loadableNodeRef('Author', {
  id: { resolve: (author: AuthorRow) => NODE_KEYS.Author(author) },
  load: async (ids: string[], { db }) => readTogether(authorsByIds(db, ids.map(Number))),
  sort: (author) => String(author.id),
});

export const OrganizationRef = builder.loadableNodeRef('Organization', {
  id: { resolve: (org: OrganizationRow) => NODE_KEYS.Organization(org) },
  load: async (slugs: string[], { db }) => readTogether(organizationsBySlugs(db, slugs)),
  sort: (org) => org.slug,
});

export const PaperConnection = builder.connectionObject(
  { type: PaperRef, name: 'PaperConnection', description: 'A page of papers.' },
  { name: 'PaperEdge', description: 'A paper and its cursor.' },
);

export const AuthorConnection = builder.connectionObject(
  { type: AuthorRef, name: 'AuthorConnection', description: 'A page of authors.' },
  { name: 'AuthorEdge', description: 'An author and its cursor.' },
);

export const OrganizationConnection = builder.connectionObject(
  { type: OrganizationRef, name: 'OrganizationConnection', description: 'A page of organizations.' },
  { name: 'OrganizationEdge', description: 'An organization and its cursor.' },
);
