import { AUTHOR_SORT } from '../../catalogue/authors.ts';
import { andThen } from '../../catalogue/maybe.ts';
import { namePrefixWords } from '../../catalogue/search-query.ts';
import { builder } from '../builder.ts';
import { badInput } from '../errors.ts';
import { resolveConnection } from '../pagination.ts';
import { AuthorConnection, AuthorRef, PaperConnection } from '../refs.ts';
import { loadTogether, pageReadTogether } from '../siblings.ts';
import { paperConnections } from './paper.ts';
import { PaperOrderInput } from './paper-filter.ts';

/** The words of a name search for a `query` argument, which must hold at least one. */
export function namePrefixes(query: string): string[] {
  const words = namePrefixWords(query);
  if (words.length === 0) throw badInput('query', `contains no letters or digits to search for; got ${JSON.stringify(query)}`);
  return words;
}

AuthorRef.implement({
  description:
    'An author. Authors are told apart by name (Unicode NFC, whitespace collapsed, case-insensitive): the daily papers give no other identity.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The name as first seen.' }),
    accountName: t.exposeString('accountName', {
      nullable: true,
      description: 'Username of the account linked to this author on the daily-papers site, where one is known.',
    }),
    paperCount: t.exposeInt('paperCount', { description: 'Number of papers in the catalogue with this author.' }),
    papers: t.field({
      type: PaperConnection,
      description: "The author's papers (default order: newest published first).",
      args: {
        orderBy: t.arg({ type: PaperOrderInput, required: false, description: 'Order; default PUBLISHED_AT DESC.' }),
        ...t.arg.connectionArgs(),
      },
      // One statement for the authors of a list (the same selection means the same arguments).
      resolve: (author, args, ctx, info) =>
        loadTogether(author, info.fieldNodes[0], (authors) =>
          paperConnections(ctx, info, { by: 'author', ids: authors.map((a) => a.id) }, args, {}, args.orderBy),
        ),
    }),
  }),
});

builder.queryField('authors', (t) =>
  t.field({
    type: AuthorConnection,
    description:
      'Authors matching `query` for type-ahead: every word of it starts a word of the name (case-insensitive, accents ignored), so "lecun", "yann l" and "Yann LeCun" all find Yann LeCun. Most papers first, then by name.',
    args: {
      query: t.arg.string({ required: true, description: 'Words or beginnings of words of the name, e.g. "yann le".' }),
      ...t.arg.connectionArgs(),
    },
    resolve: (_root, args, { catalogue }) => {
      const expression = namePrefixes(args.query);
      return resolveConnection(
        args,
        'authors',
        AUTHOR_SORT,
        (request) => andThen(catalogue.searchAuthors(expression, request), pageReadTogether),
        () => catalogue.countAuthors(expression),
      );
    },
  }),
);
