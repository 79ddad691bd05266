import { createHash } from 'node:crypto';
import type { ListedPaper } from '../../catalogue/papers.ts';
import { isPromise, andThen, type MaybePromise } from '../../catalogue/maybe.ts';
import { searchSortKeys, type SearchHit } from '../../catalogue/search.ts';
import { MAX_QUERY_LENGTH, MAX_TERMS, SearchSyntaxError } from '../../catalogue/search-query.ts';
import type { Context } from '../context.ts';
import { builder } from '../builder.ts';
import { badInput } from '../errors.ts';
import { pageRequest, toConnection } from '../pagination.ts';
import { PaperRef } from '../refs.ts';
import { readTogether } from '../siblings.ts';
import { asksForOrganization, paperColumns, readWithOrganizations } from './paper.ts';
import { PaperFilterInput, paperFilter } from './paper-filter.ts';

const SearchOrder = builder.enumType('SearchOrder', {
  description: 'How to order search results.',
  values: {
    RELEVANCE: { description: 'Best match first (bm25; a title match weighs 10 times an abstract match).' },
    PUBLISHED_AT: { description: 'Newest published first.' },
    UPVOTES: { description: 'Most upvoted first.' },
  } as const,
});

type Edge = Omit<SearchHit<ListedPaper>, 'paper'>;

const PaperSearchConnection = builder.connectionObject(
  { type: PaperRef, name: 'PaperSearchConnection', description: 'A page of search results.' },
  {
    name: 'PaperSearchEdge',
    description: 'A paper found by a search, with why it matched.',
    fields: (t) => ({
      score: t.float({ description: 'Relevance (bm25), higher is better.', resolve: (edge) => (edge as unknown as Edge).score }),
      titleHighlight: t.string({
        description: 'Title with the matched terms wrapped in <mark>…</mark>, HTML-escaped otherwise.',
        resolve: (edge) => (edge as unknown as Edge).titleHighlight,
      }),
      abstractSnippet: t.string({
        description: 'A short excerpt of the abstract around the matches (… where cut), marked the same way.',
        resolve: (edge) => (edge as unknown as Edge).abstractSnippet,
      }),
    }),
  },
);

builder.queryField('searchPapers', (t) =>
  t.field({
    type: PaperSearchConnection,
    description: `Full-text search over titles, abstracts, author names and organization names.

Query language: plain words must all match, stemmed ("reasoning" finds "reason"); "quoted phrases" match words next to each other; prefix* matches the beginnings of words; -word or -"phrase" excludes; a OR b matches either; title:, abstract:, author: and org: limit a word or "phrase" to one field (author:"yann lecun", org:nvidia). Anything else is read as plain words: punctuation separates words (GPT-4 is the phrase "gpt 4"). A query with no word to search for, only exclusions, over ${MAX_QUERY_LENGTH} characters or over ${MAX_TERMS} terms is refused with BAD_USER_INPUT.`,
    args: {
      query: t.arg.string({ required: true, description: 'What to search for, in the query language above.' }),
      filter: t.arg({ type: PaperFilterInput, required: false, description: 'Only papers meeting these conditions.' }),
      orderBy: t.arg({ type: SearchOrder, required: false, defaultValue: 'RELEVANCE', description: 'Order; default RELEVANCE.' }),
      ...t.arg.connectionArgs(),
    },
    resolve: (_root, args, { catalogue }, info) =>
      andThen(searchExpression(catalogue, args.query), (expression) => {
        const order = args.orderBy ?? 'RELEVANCE';
        const filter = paperFilter(args.filter);
        // The cursor belongs to this query: a cursor of another search is refused.
        const cursorTag = `search:${order}:${createHash('sha256').update(expression).digest('base64url').slice(0, 12)}`;
        const organization = asksForOrganization(info);
        const request = pageRequest(args, cursorTag, searchSortKeys(order));
        return andThen(catalogue.searchPapers(expression, filter, order, request, paperColumns(info), organization), (page) => {
          const papers = page.rows.map(({ row }) => row.paper);
          if (organization) readWithOrganizations(papers, page.rows.map(({ row }) => row.organization ?? null));
          else readTogether(papers);
          return toConnection(
            page,
            cursorTag,
            () => catalogue.countSearch(expression, filter),
            ({ paper, score, titleHighlight, abstractSnippet }) => ({ node: paper, score, titleHighlight, abstractSnippet }),
          );
        });
      }),
  }),
);

/** The engine's expression for a search `query`; a query that cannot be searched is bad input naming it. */
function searchExpression(catalogue: Context['catalogue'], query: string): MaybePromise<string> {
  const refused = (error: unknown): never => {
    if (error instanceof SearchSyntaxError) throw badInput('query', error.message);
    throw error;
  };
  try {
    const expression = catalogue.searchExpression(query);
    return isPromise(expression) ? expression.catch(refused) : expression;
  } catch (error) {
    return refused(error);
  }
}
