import { andThen } from '../../catalogue/maybe.ts';
import { ORGANIZATION_SORT } from '../../catalogue/organizations.ts';
import { builder } from '../builder.ts';
import { resolveConnection } from '../pagination.ts';
import { namePrefixes } from './author.ts';
import { OrganizationConnection, OrganizationRef, PaperConnection } from '../refs.ts';
import { loadTogether, readTogether, pageReadTogether } from '../siblings.ts';
import { paperConnections } from './paper.ts';
import { PaperFilterInput, PaperOrderInput, paperFilter } from './paper-filter.ts';

OrganizationRef.implement({
  description: 'A lab, company or university that papers are submitted under.',
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Stable short name, e.g. "nvidia", "spiralworks".' }),
    name: t.exposeString('name', { description: 'Display name, e.g. "NVIDIA", "Spiral Works".' }),
    avatarUrl: t.exposeString('avatarUrl', { nullable: true, description: 'Logo image, where known.' }),
    paperCount: t.exposeInt('paperCount', { description: 'Number of papers in the catalogue from this organization.' }),
    papers: t.field({
      type: PaperConnection,
      description: "The organization's papers matching the filter (default order: newest published first).",
      args: {
        filter: t.arg({ type: PaperFilterInput, required: false, description: 'Only papers meeting these conditions.' }),
        orderBy: t.arg({ type: PaperOrderInput, required: false, description: 'Order; default PUBLISHED_AT DESC.' }),
        ...t.arg.connectionArgs(),
      },
      // One statement for the organizations of a list (the same selection means the same arguments).
      resolve: (org, args, ctx, info) =>
        loadTogether(org, info.fieldNodes[0], (orgs) =>
          paperConnections(ctx, info, { by: 'organization', ids: orgs.map((o) => o.id) }, args, paperFilter(args.filter), args.orderBy),
        ),
    }),
  }),
});

const OrganizationOrder = builder.enumType('OrganizationOrder', {
  description: 'How to order organizations.',
  values: {
    PAPER_COUNT: { description: 'Most papers first, then by slug.' },
    NAME: { description: 'By display name, A to Z (case-insensitive).' },
  } as const,
});

builder.queryFields((t) => ({
  organization: t.field({
    type: OrganizationRef,
    nullable: true,
    description: 'Look an organization up by its slug (case-insensitive). Null when there is none.',
    args: { slug: t.arg.string({ required: true, description: 'The slug, e.g. "nvidia".' }) },
    resolve: (_root, { slug }, { catalogue }) => andThen(catalogue.organizationsBySlugs([slug.trim().toLowerCase()]), (found) => readTogether(found)[0] ?? null),
  }),
  organizations: t.field({
    type: OrganizationConnection,
    description:
      'Organizations, optionally only those matching `query`: every word of it starts a word of the name or slug (case-insensitive), so "deep" finds Google DeepMind.',
    args: {
      query: t.arg.string({ required: false, description: 'Words or beginnings of words of the name or slug, e.g. "nvi"; empty for all.' }),
      orderBy: t.arg({ type: OrganizationOrder, required: false, defaultValue: 'PAPER_COUNT', description: 'Order; default PAPER_COUNT.' }),
      ...t.arg.connectionArgs(),
    },
    resolve: (_root, args, { catalogue }) => {
      const order = args.orderBy ?? 'PAPER_COUNT';
      const expression = args.query?.trim() ? namePrefixes(args.query) : null;
      return resolveConnection(
        args,
        `organizations:${order}`,
        ORGANIZATION_SORT[order],
        (request) => andThen(catalogue.listOrganizations(expression, order, request), pageReadTogether),
        () => catalogue.countOrganizations(expression),
      );
    },
  }),
}));
