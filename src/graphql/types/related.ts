// Paper.related and Query.recommendedPapers: papers like one paper, or like
// a few liked papers and unlike disliked ones, each with the reasons why
// (catalogue/related.ts computes them from the term index).
import type { ListedPaper } from '../../catalogue/papers.ts';
import { all, andThen, type MaybePromise } from '../../catalogue/maybe.ts';
import { MAX_TASTE_PAPERS, reasonOf, tasteProblem, tooManyForTaste, type Because, type RankedPage, type RankedRequest } from '../../catalogue/related.ts';
import { listedWithin, type TrendingWindow as Window } from '../../catalogue/trending.ts';
import { RELATED_NODES } from '../../http/admission.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { badInput } from '../errors.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, toConnection } from '../pagination.ts';
import { PaperRef } from '../refs.ts';
import { loadTogether, readTogether } from '../siblings.ts';
import { decodeId } from './node.ts';
import { paperColumns } from './paper.ts';
import { PaperFilterInput, TrendingWindowEnum as TrendingWindow, paperFilter } from './paper-filter.ts';

const ORDER = 'RELATED';

const Reasons = builder.objectRef<Because>('RelatedReasons').implement({
  description: 'What a suggested paper shares with the paper (or the liked papers) it was suggested for.',
  fields: (t) => ({
    terms: t.exposeStringList('terms', { description: 'Shared terms of the titles, abstracts and AI keywords, strongest first (at most 5), as written in the paper.' }),
    authors: t.exposeStringList('authors', { description: 'Shared authors (Paper.related only).' }),
    organization: t.exposeString('organization', { nullable: true, description: 'The organization both were submitted under (Paper.related only).' }),
    summary: t.string({
      description: 'The reasons in one line, as digests, feeds and the widget show them, e.g. "Shares “attention” and “rank”; also by Jane Doe; also from NVIDIA".',
      resolve: (because) => reasonOf(because),
    }),
  }),
});

export const RelatedPaperConnection = builder.connectionObject(
  { type: PaperRef, name: 'RelatedPaperConnection', description: 'Papers ranked by similarity, most similar first.' },
  {
    name: 'RelatedPaperEdge',
    description: 'A suggested paper, how similar it is, and why.',
    fields: (t) => ({
      score: t.float({ description: 'Similarity: higher is closer. Comparable within one list only.', resolve: (edge) => (edge as unknown as Scored).score }),
      because: t.field({ type: Reasons, description: 'Why the paper is suggested.', resolve: (edge) => (edge as unknown as Scored).because }),
    }),
  },
);

type Scored = { score: number; because: Because };

const FIRST = { required: false, description: `Page size: 1 to ${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}.` } as const;
const AFTER = { required: false, description: 'Start after this cursor (an endCursor of the same list).' } as const;

/** Checks `first` and `after` (a cursor of a ranked list: its score and arXiv id). */
function rankedRequest(first: number | null | undefined, after: string | null | undefined): RankedRequest {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw badInput('first', `must be between 1 and ${MAX_PAGE_SIZE}; got ${size}`);
  if (after == null) return { size, after: null };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    decoded = null;
  }
  if (!Array.isArray(decoded) || decoded.length !== 3 || decoded[0] !== ORDER || !Number.isFinite(decoded[1]) || typeof decoded[2] !== 'string') {
    throw badInput('after', 'is not a cursor of this list: pass an endCursor returned by the same field');
  }
  return { size, after: [decoded[1] as number, decoded[2] as string] };
}

/** A ranked page as a connection whose edges carry score and because. */
function asConnection(page: RankedPage<ListedPaper>) {
  return toConnection(page, ORDER, () => page.total, (hit) => ({ node: hit.paper, score: hit.score, because: hit.because }));
}

builder.objectField(PaperRef, 'related', (t) =>
  t.field({
    type: RelatedPaperConnection,
    description: `The papers most like this one: by the terms of their titles (weighted up), abstracts and AI keywords (tf-idf), with lesser weight for shared authors and the same organization. Never the paper itself; each paper once. Each time it is read it counts ${RELATED_NODES.toLocaleString('en-US')} nodes of the request's cost besides its page (the postings it scores).`,
    args: { first: t.arg.int(FIRST), after: t.arg.string(AFTER) },
    resolve: (paper, args, ctx, info) => {
      const request = rankedRequest(args.first, args.after);
      const columns = paperColumns(info);
      // The related papers of every paper of the page, in one statement.
      const page = loadTogether(paper, `related ${request.size} ${args.after ?? ''} ${columns}`, (papers) =>
        andThen(ctx.catalogue.relatedPapers(papers.map((p) => p.id), request, columns), (pages) => {
          readTogether([...pages.values()].flatMap((p) => p.rows.map((r) => r.row.paper)));
          return papers.map((p) => pages.get(p.id)!);
        }),
      );
      return andThen(page, asConnection);
    },
  }),
);

/** Paper ids from Paper global ids, every one checked: a wrong type, a malformed id or an unknown paper is named. */
export function paperIdsOf(ctx: Context, argument: string, ids: readonly (string | number)[]): MaybePromise<number[]> {
  const tooMany = tooManyForTaste(ids.length);
  if (tooMany) throw badInput(argument, tooMany);
  const arxivIds = ids.map((id, i) => {
    const decoded = decodeId(`${argument}[${i}]`, String(id));
    if (decoded.type !== 'Paper') throw badInput(`${argument}[${i}]`, `is the id of an ${decoded.type}, not of a Paper`);
    return decoded.key;
  });
  return andThen(ctx.catalogue.paperIdsByArxivIds(arxivIds), (found) =>
    arxivIds.map((arxivId, i) => {
      const id = found.get(arxivId);
      if (id === undefined) throw badInput(`${argument}[${i}]`, `names no paper of the catalogue (arXiv ${arxivId})`);
      return id;
    }),
  );
}

builder.queryField('recommendedPapers', (t) =>
  t.field({
    type: RelatedPaperConnection,
    description: `Papers listed within \`window\` (before the end of the latest listing day) that best fit the liked papers and least fit the disliked ones (Rocchio over tf-idf vectors of titles, abstracts and AI keywords), most fitting first. Never a liked or disliked paper itself. At most ${MAX_TASTE_PAPERS} liked and ${MAX_TASTE_PAPERS} disliked ids, none in both. Counts ${RELATED_NODES.toLocaleString('en-US')} nodes of the request's cost besides its page.`,
    args: {
      liked: t.arg.idList({ required: true, description: `Ids of papers you liked (Paper.id, as Query.nodes takes them): 1 to ${MAX_TASTE_PAPERS}.` }),
      disliked: t.arg.idList({ required: false, description: `Ids of papers you want less like (at most ${MAX_TASTE_PAPERS}).` }),
      window: t.arg({ type: TrendingWindow, required: false, defaultValue: 'MONTH', description: 'How far back to look for listed papers; default MONTH.' }),
      filter: t.arg({ type: PaperFilterInput, required: false, description: 'Only papers meeting these conditions.' }),
      first: t.arg.int(FIRST),
      after: t.arg.string(AFTER),
    },
    resolve: (_root, args, ctx, info) => {
      const request = rankedRequest(args.first, args.after);
      if (args.liked.length === 0) throw badInput('liked', 'is empty: name at least one paper you liked');
      const filter = paperFilter(args.filter);
      // Listed in the window as trendingPapers counts it, up to the end of the latest listing day.
      const window = (args.window ?? 'MONTH') as Window;
      const listed = listedWithin(filter.listed, ctx.defaultAsOf(), window);
      return andThen(all([paperIdsOf(ctx, 'liked', args.liked), paperIdsOf(ctx, 'disliked', args.disliked ?? [])]), ([liked, disliked]) => {
        const taste = tasteProblem(liked!, disliked!);
        if (taste) throw badInput(`${taste.list}${taste.index === null ? '' : `[${taste.index}]`}`, taste.problem);
        return andThen(ctx.catalogue.recommendedPapers(liked!, disliked!, { ...filter, listed }, window !== 'ALL', request, paperColumns(info)), (page) => {
          readTogether(page.rows.map((r) => r.row.paper));
          return asConnection(page);
        });
      });
    },
  }),
);
