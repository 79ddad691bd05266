// The catalogue as the API reads it, whatever the engine: SQLite (the
// embedded default, answering at once) or PostgreSQL (answering with
// promises). The GraphQL layer, the feeds and the daily-papers routes read
// through this interface alone and never learn which engine is under it.
import type { Database, Db } from '../db/index.ts';
import { dataVersion } from '../db/data-version.ts';
import { readiness, type Readiness } from '../db/readiness.ts';
import { syncStatus, type SyncStatus } from './sync-ledger.ts';
import { authorsByIds, authorsOfPapers, catalogueSizes, countAuthors, searchAuthors, type AuthorColumns, type AuthorRow, type CatalogueSizes } from './authors.ts';
import type { Page, PageRequest } from './keyset.ts';
import type { MaybePromise } from './maybe.ts';
import { countOrganizations, listOrganizations, organizationsByIds, organizationsBySlugs, type OrganizationOrder, type OrganizationRow } from './organizations.ts';
import {
  adjacentListingDay,
  countPapers,
  countPapersByGroup,
  latestListingDay,
  listPapers,
  listPapersByGroup,
  paperTexts,
  papersByArxivIds,
  papersWithOrganizationsByArxivIds,
  type PaperColumns,
  type PaperFilter,
  type PaperGroups,
  type PaperOf,
  type PaperOrder,
  type PaperTexts,
  type WithOrganization,
} from './papers.ts';
import { paperIdsByArxivIds, recommendedPapers, relatedPapers, type RankedPage, type RankedRequest } from './related.ts';
import { countSearch, countWordsStartingWith, searchPapers, wordsStartingWith, type SearchHit, type SearchOrder } from './search.ts';
import { toMatchExpression, toNamePrefixExpression } from './search-query.ts';
import { upvoteHistoryOf, type UpvoteCount } from './history.ts';

export interface Catalogue {
  /** Changes whenever the catalogue does, through this connection or another (another process's import): what caches are kept for. */
  dataVersion(): string;
  /** Whether the catalogue can be served: it answers, and has every migration this code ships with. */
  readiness(): MaybePromise<Readiness>;
  /** The state of the sync, for /metrics. */
  syncStatus(): MaybePromise<SyncStatus>;

  /** Papers by arXiv id (those the catalogue has, in no particular order), whole or in a tier of columns. */
  papersByArxivIds<C extends PaperColumns>(arxivIds: readonly string[], columns: C): MaybePromise<PaperOf<C>[]>;
  /** The same, each with its organization, in one statement. */
  papersWithOrganizationsByArxivIds<C extends PaperColumns>(arxivIds: readonly string[], columns: C): MaybePromise<WithOrganization<PaperOf<C>>[]>;
  /** Paper ids by arXiv id, for those the catalogue has. */
  paperIdsByArxivIds(arxivIds: readonly string[]): MaybePromise<Map<string, number>>;
  /** The texts of papers read without them, by paper id. */
  paperTexts(ids: readonly number[]): MaybePromise<Map<number, PaperTexts>>;
  listPapers<C extends PaperColumns>(filter: PaperFilter, order: PaperOrder, request: PageRequest, columns: C): MaybePromise<Page<PaperOf<C>>>;
  countPapers(filter: PaperFilter): MaybePromise<number>;
  /** The same page of each organization's or author's papers, in one statement. */
  listPapersByGroup<C extends PaperColumns>(
    group: PaperGroups,
    filter: PaperFilter,
    order: PaperOrder,
    request: PageRequest,
    columns: C,
  ): MaybePromise<Map<number, Page<PaperOf<C>>>>;
  countPapersByGroup(group: PaperGroups, filter: PaperFilter): MaybePromise<Map<number, number>>;
  /** The latest day on which any paper was listed; null for an empty catalogue. */
  latestListingDay(): MaybePromise<string | null>;
  /** The nearest listing day strictly before (or after) `day`. */
  adjacentListingDay(day: string, side: 'before' | 'after'): MaybePromise<string | null>;
  /** Each paper's upvote history, oldest first, in the order of `paperIds`. */
  upvoteHistoryOf(paperIds: readonly number[]): MaybePromise<UpvoteCount[][]>;

  authorsByIds(ids: readonly number[]): MaybePromise<AuthorRow[]>;
  /** The authors of each paper, in paper order. */
  authorsOfPapers(paperIds: readonly number[], columns: AuthorColumns): MaybePromise<Map<number, AuthorRow[]>>;
  /** Authors whose name has a word starting with each of `words` (search-query.ts: namePrefixWords). */
  searchAuthors(words: readonly string[], request: PageRequest): MaybePromise<Page<AuthorRow>>;
  countAuthors(words: readonly string[]): MaybePromise<number>;
  /** The largest counts of the catalogue, that a request's cost reads (http/admission.ts). */
  catalogueSizes(): MaybePromise<CatalogueSizes>;

  organizationsByIds(ids: readonly number[]): MaybePromise<OrganizationRow[]>;
  organizationsBySlugs(slugs: readonly string[]): MaybePromise<OrganizationRow[]>;
  /** Organizations whose name or slug has a word starting with each of `words`; all of them for null. */
  listOrganizations(words: readonly string[] | null, order: OrganizationOrder, request: PageRequest): MaybePromise<Page<OrganizationRow>>;
  countOrganizations(words: readonly string[] | null): MaybePromise<number>;

  /**
   * A search in the query language (searchPapers' description), ready for
   * this engine: throws (or rejects with) a SearchSyntaxError for a query
   * that cannot be searched. Equal queries give equal expressions.
   */
  searchExpression(query: string): MaybePromise<string>;
  searchPapers<C extends PaperColumns>(
    expression: string,
    filter: PaperFilter,
    order: SearchOrder,
    request: PageRequest,
    columns: C,
    organization: boolean,
  ): MaybePromise<Page<SearchHit<PaperOf<C>>>>;
  countSearch(expression: string, filter: PaperFilter): MaybePromise<number>;
  /** How many known words start with `prefix`: a prefix's cost (http/admission.ts). */
  countWordsStartingWith(prefix: string): MaybePromise<number>;

  /** The papers most like each of `ids`. */
  relatedPapers<C extends PaperColumns>(ids: readonly number[], request: RankedRequest, columns: C): MaybePromise<Map<number, RankedPage<PaperOf<C>>>>;
  /** The papers under `filter` that best fit the liked papers and least the disliked; `matching` a search expression they must match. */
  recommendedPapers<C extends PaperColumns>(
    liked: readonly number[],
    disliked: readonly number[],
    filter: PaperFilter,
    bounded: boolean,
    request: RankedRequest,
    columns: C,
    matching?: string | null,
  ): MaybePromise<RankedPage<PaperOf<C>>>;
}

/** What the catalogue reads, without what the server asks of its engine. */
export type CatalogueReads = Omit<Catalogue, 'dataVersion' | 'readiness' | 'syncStatus'>;

/** The catalogue in a SQLite file: every answer at once. */
export function sqliteCatalogue(database: Database): Catalogue {
  return {
    dataVersion: () => dataVersion(database),
    readiness: () => readiness(database),
    syncStatus: () => syncStatus(database.db),
    ...sqliteReads(database.db),
  };
}

/** The reads of a SQLite catalogue: every answer at once (mail/digests.ts reads them inside its write transaction). */
export function sqliteReads(db: Db): CatalogueReads {
  return {
    papersByArxivIds: (arxivIds, columns) => papersByArxivIds(db, arxivIds, columns),
    papersWithOrganizationsByArxivIds: (arxivIds, columns) => papersWithOrganizationsByArxivIds(db, arxivIds, columns),
    paperIdsByArxivIds: (arxivIds) => paperIdsByArxivIds(db, arxivIds),
    paperTexts: (ids) => paperTexts(db, ids),
    listPapers: (filter, order, request, columns) => listPapers(db, filter, order, request, columns),
    countPapers: (filter) => countPapers(db, filter),
    listPapersByGroup: (group, filter, order, request, columns) => listPapersByGroup(db, group, filter, order, request, columns),
    countPapersByGroup: (group, filter) => countPapersByGroup(db, group, filter),
    latestListingDay: () => latestListingDay(db),
    adjacentListingDay: (day, side) => adjacentListingDay(db, day, side),
    upvoteHistoryOf: (paperIds) => upvoteHistoryOf(db, paperIds),
    authorsByIds: (ids) => authorsByIds(db, ids),
    authorsOfPapers: (paperIds, columns) => authorsOfPapers(db, paperIds, columns),
    searchAuthors: (words, request) => searchAuthors(db, toNamePrefixExpression(words), request),
    countAuthors: (words) => countAuthors(db, toNamePrefixExpression(words)),
    catalogueSizes: () => catalogueSizes(db),
    organizationsByIds: (ids) => organizationsByIds(db, ids),
    organizationsBySlugs: (slugs) => organizationsBySlugs(db, slugs),
    listOrganizations: (words, order, request) => listOrganizations(db, words && toNamePrefixExpression(words), order, request),
    countOrganizations: (words) => countOrganizations(db, words && toNamePrefixExpression(words)),
    searchExpression: (query) => toMatchExpression(query, (prefix) => wordsStartingWith(db, prefix)),
    searchPapers: (expression, filter, order, request, columns, organization) => searchPapers(db, expression, filter, order, request, columns, organization),
    countSearch: (expression, filter) => countSearch(db, expression, filter),
    countWordsStartingWith: (prefix) => countWordsStartingWith(db, prefix),
    relatedPapers: (ids, request, columns) => relatedPapers(db, ids, request, columns),
    recommendedPapers: (liked, disliked, filter, bounded, request, columns, matching) =>
      recommendedPapers(db, liked, disliked, filter, bounded, request, columns, matching),
  };
}
