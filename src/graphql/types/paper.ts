import { Kind, type FieldNode, type GraphQLObjectType, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { AuthorColumns, AuthorRow } from '../../catalogue/authors.ts';
import { arxivIdFromInput } from '../../catalogue/identity.ts';
import { andThen, type MaybePromise } from '../../catalogue/maybe.ts';
import type { OrganizationRow } from '../../catalogue/organizations.ts';
import {
  paperSortKeys,
  type ListedPaper,
  type PaperColumns,
  type PaperFilter,
  type PaperGroups,
  type PaperOrder,
  type PaperTexts,
} from '../../catalogue/papers.ts';
import { momentum, trendingScore, type TrendingWindow } from '../../catalogue/trending.ts';
import { builder } from '../builder.ts';
import type { Page } from '../../catalogue/keyset.ts';
import type { Context } from '../context.ts';
import { badInput } from '../errors.ts';
import { pageRequest, resolveConnection, toConnection, type Connection, type ConnectionArgs } from '../pagination.ts';
import { AuthorRef, OrganizationRef, PaperConnection, PaperRef, type RankedPaper } from '../refs.ts';
import { historyOf } from './upvote-history.ts';
import { loadTogether, pageReadTogether, pagesReadTogether, readTogether, readTogetherWith } from '../siblings.ts';
import { PaperFilterInput, PaperOrderInput, TrendingWindowEnum, paperFilter } from './paper-filter.ts';

type OrderArg = { field: PaperOrder['field']; direction?: PaperOrder['direction']; asOfMs?: number; window?: TrendingWindow } | null | undefined;

/** How a list was ranked by trending score: at what instant, over what window. */
export interface Scoring {
  asOfMs: number;
  window: TrendingWindow;
}

/** The order of a list of papers: newest published first unless asked otherwise; TRENDING over a WEEK at the default asOf unless told. */
function paperOrder(ctx: Context, order: OrderArg): PaperOrder & { scoring?: Scoring } {
  const field = order?.field ?? 'PUBLISHED_AT';
  const direction = order?.direction ?? 'DESC';
  if (field !== 'TRENDING') return { field, direction };
  const scoring = { asOfMs: order?.asOfMs ?? ctx.defaultAsOf(), window: order?.window ?? 'WEEK' };
  return { field, direction, ...scoring, scoring };
}

/** The name a cursor is bound to: a trending cursor holds a score of one window. */
const orderName = (order: PaperOrder): string => (order.field === 'TRENDING' ? `TRENDING ${order.window}` : order.field);

/**
 * In a list ranked by trending score, each row keeps the score it was ranked
 * by (its sort key), for its edge's score (PaperEdge.score in refs.ts). ALL
 * is sorted by upvotes, whose score is upvotes + 1. The rows are the page's
 * own, read for this request, so they are marked in place: V8 copies an
 * object spread with a property added ({ ...row, score }) about 300 times
 * slower than it sets one property (2.5 µs a paper).
 */
function scored(page: Page<ListedPaper>, { scoring }: { scoring?: Scoring }): Page<RankedPaper> {
  if (scoring) for (const { row, key } of page.rows) (row as RankedPaper).rankedScore = Number(key[0]) + (scoring.window === 'ALL' ? 1 : 0);
  return page;
}

/**
 * The least a paper's fields need read (see PaperColumns): the texts only for
 * a text field; the core columns (id, arXiv id, title, upvotes) answer the
 * fields below and the authors (by id); the listing columns the dates, stars,
 * organization and trending score. Any other field of Paper needs `brief`.
 */
const LEAST_COLUMNS: Record<string, PaperColumns> = {
  abstract: 'all',
  aiSummary: 'all',
  aiKeywords: 'all',
  id: 'core',
  __typename: 'core',
  arxivId: 'core',
  url: 'core',
  pdfUrl: 'core',
  title: 'core',
  upvotes: 'core',
  authors: 'core',
  publishedAt: 'listing',
  listedOn: 'listing',
  githubStars: 'listing',
  organization: 'listing',
  trendingScore: 'listing',
  upvoteHistory: 'core',
  // PaperEdge.score, the trending score of a ranked list's edge: not a field of Paper, but read from its row.
  score: 'listing',
};
const TIERS: PaperColumns[] = ['core', 'listing', 'brief', 'all'];

/** What the papers under a field are asked for, as far as reading them goes. */
interface PaperSelection {
  /** Index in TIERS of the columns to read. */
  tier: number;
  /** Whether their organization is asked for (a lookup then reads it in the same statement). */
  organization: boolean;
}
const selections = new WeakMap<FieldNode, PaperSelection>();

/**
 * Adds to `into` what a selection needs: the most that any name under it
 * needs as a field of Paper. Every name counts, at any depth: a name that is
 * a field of Paper somewhere else in the tree (under the authors, say) only
 * makes the papers read more than they need, never less.
 */
function scan(set: SelectionSetNode | undefined, info: GraphQLResolveInfo, paperFields: Set<string>, into: PaperSelection): void {
  for (const s of set?.selections ?? []) {
    const inner = s.kind === Kind.FRAGMENT_SPREAD ? info.fragments[s.name.value]?.selectionSet : s.selectionSet;
    if (s.kind === Kind.FIELD && paperFields.has(s.name.value)) {
      into.tier = Math.max(into.tier, TIERS.indexOf(LEAST_COLUMNS[s.name.value] ?? 'brief'));
      if (s.name.value === 'organization') into.organization = true;
    }
    scan(inner, info, paperFields, into);
  }
}

/** What the papers under one field node are asked for: decided once per query document. */
function selectionOf(node: FieldNode, info: GraphQLResolveInfo): PaperSelection {
  let selection = selections.get(node);
  if (selection === undefined) {
    const paperFields = new Set([...Object.keys((info.schema.getType('Paper') as GraphQLObjectType).getFields()), '__typename', 'score']);
    scan(node.selectionSet, info, paperFields, (selection = { tier: 0, organization: false }));
    selections.set(node, selection);
  }
  return selection;
}

/** What the papers under this field are asked for, over all its nodes (a field can be asked twice, merged). */
function paperSelection(info: GraphQLResolveInfo): PaperSelection {
  if (info.fieldNodes.length === 1) return selectionOf(info.fieldNodes[0]!, info);
  const all: PaperSelection = { tier: 0, organization: false };
  for (const node of info.fieldNodes) {
    const selection = selectionOf(node, info);
    all.tier = Math.max(all.tier, selection.tier);
    all.organization ||= selection.organization;
  }
  return all;
}

/**
 * The columns to read the papers of a list (or a lookup) with: the least tier
 * that answers every field asked for anywhere under it. A paper read without
 * its texts that is asked for them anyway loads them (paperText).
 */
export const paperColumns = (info: GraphQLResolveInfo): PaperColumns => TIERS[paperSelection(info).tier]!;

/** Whether the organization of the papers under this field is asked for: a lookup or a search then reads it with them, in one statement. */
export const asksForOrganization = (info: GraphQLResolveInfo): boolean => paperSelection(info).organization;

/**
 * Papers read with their organizations (one per paper, in order; null for
 * none), marked as read together: Paper.organization answers from these.
 * Returns the papers.
 */
export function readWithOrganizations<P extends ListedPaper>(papers: P[], organizations: readonly (OrganizationRow | null)[]): P[] {
  readTogether([...new Set(organizations)].filter((o) => o !== null));
  return readTogetherWith(papers, ORGANIZATION, organizations);
}

/** A resolver of a text of a paper: from its row, or loaded with its siblings' when the row was read without texts. */
function paperText<K extends keyof PaperTexts, T = PaperTexts[K]>(key: K, as: (text: PaperTexts[K]) => T = (text) => text as T) {
  return (paper: ListedPaper, _args: object, ctx: Context): MaybePromise<T> => {
    if (paper[key] !== undefined) return as(paper[key] as PaperTexts[K]);
    const texts = loadTogether(paper, 'texts', (papers) =>
      andThen(ctx.catalogue.paperTexts(papers.map((p) => p.id)), (byId) => papers.map((p) => byId.get(p.id)!)),
    );
    return andThen(texts, (t) => as(t[key]));
  };
}

/** Any list of papers as a connection: what papers, trendingPapers and digests share. */
export function paperConnection(ctx: Context, info: GraphQLResolveInfo, args: ConnectionArgs, filter: PaperFilter, orderArg: OrderArg) {
  const order = paperOrder(ctx, orderArg);
  const columns = paperColumns(info);
  return resolveConnection(
    args,
    orderName(order),
    paperSortKeys(order),
    (request) => andThen(ctx.catalogue.listPapers(filter, order, request, columns), (page) => pageReadTogether(scored(page, order))),
    () => ctx.catalogue.countPapers(filter),
  );
}

/**
 * The same page of papers for many organizations or authors (the parents in
 * a list): one statement for the pages and, if asked for, one for the counts.
 */
export function paperConnections(
  ctx: Context,
  info: GraphQLResolveInfo,
  group: PaperGroups,
  args: ConnectionArgs,
  filter: PaperFilter,
  orderArg: OrderArg,
): MaybePromise<Connection<ListedPaper>[]> {
  const order = paperOrder(ctx, orderArg);
  const request = pageRequest(args, orderName(order), paperSortKeys(order));
  return andThen(ctx.catalogue.listPapersByGroup(group, filter, order, request, paperColumns(info)), (pages) => {
    // The papers of all the parents' pages, so that their authors are one statement.
    pagesReadTogether(pages.values());
    let counts: MaybePromise<Map<number, number>> | undefined;
    const countOf = (id: number) => andThen((counts ??= ctx.catalogue.countPapersByGroup(group, filter)), (byGroup) => byGroup.get(id) ?? 0);
    return group.ids.map((id) => toConnection(scored(pages.get(id)!, order), orderName(order), () => countOf(id)));
  });
}

/** Fields of an author that the `names` columns answer. */
const NAME_FIELDS = new Set(['id', 'name', '__typename']);
const namesOnly = new WeakMap<FieldNode, boolean>();

/** Whether a selection of authors asks for nothing but names (and ids): decided once per query document. */
function asksForNamesOnly(fieldNodes: readonly FieldNode[]): boolean {
  return fieldNodes.every((node) => {
    let only = namesOnly.get(node);
    if (only === undefined) {
      only = node.selectionSet?.selections.every((s) => s.kind === Kind.FIELD && NAME_FIELDS.has(s.name.value)) ?? false;
      namesOnly.set(node, only);
    }
    return only;
  });
}

/** The authors of a paper, loaded with its siblings' in one statement, one per set of columns. */
function authorsOf(ctx: Context, paper: ListedPaper, columns: AuthorColumns): MaybePromise<AuthorRow[]> {
  return loadTogether(paper, columns === 'names' ? 'authorNames' : 'authors', (papers) =>
    andThen(ctx.catalogue.authorsOfPapers(papers.map((p) => p.id), columns), (byPaper) => {
      // Whole authors may be asked for their papers: those of all these authors
      // are then one statement too. Names answer nothing that loads.
      if (columns === 'all') readTogether([...byPaper.values()].flat());
      return papers.map((p) => byPaper.get(p.id)!);
    }),
  );
}

/** What Paper.organization is loaded (or read) as, for its siblings. */
const ORGANIZATION = 'organization';

/** The organization of a paper: read with it, or loaded with its siblings' in one statement. */
function organizationOf(ctx: Context, paper: ListedPaper): MaybePromise<OrganizationRow | null> {
  if (paper.organizationId === null) return null;
  return loadTogether(paper, ORGANIZATION, (papers) => {
    const ids = [...new Set(papers.flatMap((p) => (p.organizationId === null ? [] : [p.organizationId])))];
    return andThen(ctx.catalogue.organizationsByIds(ids), (organizations) => {
      const byId = new Map(readTogether(organizations).map((org) => [org.id, org]));
      return papers.map((p) => (p.organizationId === null ? null : (byId.get(p.organizationId) ?? null)));
    });
  });
}

PaperRef.implement({
  description: 'A research paper on arXiv, as listed in the daily papers.',
  fields: (t) => ({
    arxivId: t.exposeString('arxivId', { description: 'The arXiv id without version, e.g. "2310.05869".' }),
    title: t.exposeString('title', { description: 'Title, whitespace collapsed.' }),
    abstract: t.string({ description: 'Abstract, whitespace collapsed.', resolve: paperText('abstract') }),
    publishedAt: t.field({ type: 'Date', description: 'Publication day on arXiv (UTC).', resolve: (p) => p.publishedAt }),
    listedOn: t.field({
      type: 'Date',
      description: 'The day the paper was listed in the daily papers (its publication day where no listing is known).',
      resolve: (p) => p.listedOn,
    }),
    upvotes: t.exposeInt('upvotes', { description: 'Upvotes: the highest count seen in any listing.' }),
    authorCount: t.exposeInt('authorCount', { description: 'Number of authors, also where the names are not all known.' }),
    authors: t.field({
      type: [AuthorRef],
      description: 'Authors in paper order (authors who chose to stay hidden are left out; authorCount counts them).',
      // One statement for the papers of a page, reading only names when only names are asked for.
      resolve: (p, _args, ctx, info) => authorsOf(ctx, p, asksForNamesOnly(info.fieldNodes) ? 'names' : 'all'),
    }),
    organization: t.field({
      type: OrganizationRef,
      nullable: true,
      description: 'The organization the paper was submitted under, if any.',
      resolve: (p, _args, ctx) => organizationOf(ctx, p),
    }),
    githubUrl: t.exposeString('githubUrl', { nullable: true, description: 'The code repository on GitHub, if any.' }),
    githubStars: t.exposeInt('githubStars', { nullable: true, description: 'GitHub stars: the highest count seen.' }),
    projectUrl: t.exposeString('projectUrl', { nullable: true, description: 'The project page, if any.' }),
    thumbnailUrl: t.exposeString('thumbnailUrl', { nullable: true, description: 'A social-card image of the paper, if any.' }),
    aiSummary: t.string({
      nullable: true,
      description: 'A one-sentence machine-written summary, if the listing had one.',
      resolve: paperText('aiSummary'),
    }),
    aiKeywords: t.stringList({
      description: 'Machine-extracted keywords (empty when the listing had none).',
      resolve: paperText('aiKeywords', (keywords) => (keywords ? (JSON.parse(keywords) as string[]) : [])),
    }),
    commentCount: t.exposeInt('commentCount', { nullable: true, description: 'Comments on the daily-papers page, where known.' }),
    url: t.string({ description: 'Canonical link to the paper, https://arxiv.org/abs/<arxivId>.', resolve: (p) => `https://arxiv.org/abs/${p.arxivId}` }),
    pdfUrl: t.string({ description: 'Link to the PDF, https://arxiv.org/pdf/<arxivId>.', resolve: (p) => `https://arxiv.org/pdf/${p.arxivId}` }),
    trendingScore: t.float({
      description:
        "The trending score over window at asOf; default a WEEK at the catalogue's default asOf (the end of the latest listing day), wherever the paper is reached, so that a normalized client cache holds one value. The score a trending list was ranked by is on its edge (PaperEdge.score). See trendingPapers for the formula; 0 when the paper was not listed within the window before asOf.",
      args: {
        asOf: t.arg({ type: 'DateTime', required: false, description: 'The instant to score at.' }),
        window: t.arg({ type: TrendingWindowEnum, required: false, defaultValue: 'WEEK', description: 'The window whose score this is; default WEEK.' }),
      },
      resolve: (p, { asOf, window }, ctx) => {
        const asOfMs = asOf?.getTime() ?? ctx.defaultAsOf();
        return andThen(historyOf(p, ctx), (history) =>
          history.length > 0 ? momentum(history, p.listedOn, asOfMs, window ?? 'WEEK') : trendingScore(p.upvotes, p.listedOn, asOfMs, window ?? 'WEEK'),
        );
      },
    }),
  }),
});

builder.queryFields((t) => ({
  paper: t.field({
    type: PaperRef,
    nullable: true,
    description:
      'Look a paper up by its arXiv id, e.g. "2310.05869" (a version suffix like v2 is ignored; "arXiv:…" and arxiv.org links work too). Null when the catalogue does not have it.',
    args: { arxivId: t.arg.string({ required: true, description: 'The arXiv id.' }) },
    resolve: (_root, { arxivId }, ctx, info) => {
      const id = arxivIdFromInput(arxivId);
      if (id === null) throw badInput('arxivId', `is not an arXiv id like "2310.05869"; got ${JSON.stringify(arxivId)}`);
      const columns = paperColumns(info);
      if (!asksForOrganization(info)) return andThen(ctx.catalogue.papersByArxivIds([id], columns), (papers) => readTogether(papers)[0] ?? null);
      return andThen(ctx.catalogue.papersWithOrganizationsByArxivIds([id], columns), ([read]) =>
        read ? readWithOrganizations([read.paper], [read.organization])[0]! : null,
      );
    },
  }),
  papers: t.field({
    type: PaperConnection,
    description: 'All papers matching the filter, in the given order (default: newest published first).',
    args: {
      filter: t.arg({ type: PaperFilterInput, required: false, description: 'Only papers meeting these conditions.' }),
      orderBy: t.arg({ type: PaperOrderInput, required: false, description: 'Order; default PUBLISHED_AT DESC.' }),
      ...t.arg.connectionArgs(),
    },
    resolve: (_root, args, ctx, info) => paperConnection(ctx, info, args, paperFilter(args.filter), args.orderBy),
  }),
}));
