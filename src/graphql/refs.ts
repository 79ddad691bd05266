// The object types' refs, declared before they are implemented so that the
// type files can refer to each other. Each node loads by the key inside its
// global id, batched per request.
import { authorsByIds, type AuthorRow } from '../catalogue/authors.ts';
import { organizationsBySlugs, type OrganizationRow } from '../catalogue/organizations.ts';
import { papersByArxivIds, type ListedPaper } from '../catalogue/papers.ts';
import { builder } from './builder.ts';

export const PaperRef = builder.loadableNodeRef('Paper', {
  id: { resolve: (paper: ListedPaper) => paper.arxivId },
  load: async (arxivIds: string[], { db }) => papersByArxivIds(db, arxivIds),
  sort: (paper) => paper.arxivId,
});

export const AuthorRef = builder.loadableNodeRef('Author', {
  id: { resolve: (author: AuthorRow) => author.id },
  load: async (ids: string[], { db }) => authorsByIds(db, ids.map(Number)),
  sort: (author) => String(author.id),
});

export const OrganizationRef = builder.loadableNodeRef('Organization', {
  id: { resolve: (org: OrganizationRow) => org.slug },
  load: async (slugs: string[], { db }) => organizationsBySlugs(db, slugs),
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
