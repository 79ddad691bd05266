// The write side of the catalogue: merging one paper record at a time, the
// derived counts, and the imports ledger. The merge is written once, in steps
// (steps.ts), over the statements of either engine: SQLite's are here,
// prepared once per writer; PostgreSQL's are in pg-store.ts. The caller
// decides the transaction boundaries.
import type { Database } from '../db/index.ts';
import type { PaperRecord } from '../ingest/record.ts';
import { authorKey, displayName } from './identity.ts';
import type { MaybePromise } from './maybe.ts';
import { searchableWords } from './search-query.ts';
import { answer, runNow, type Steps } from './steps.ts';
import { sqliteTermStatements, termIndexer, type TermStatements } from './terms.ts';

export type MergeOutcome = 'added' | 'updated' | 'unchanged';

export interface ImportCounts {
  items: number;
  papersAdded: number;
  papersUpdated: number;
  papersUnchanged: number;
  authorsAdded: number;
  organizationsAdded: number;
  itemsSkipped: number;
}

export interface LedgerEntry extends ImportCounts {
  file: string;
  checksum: string;
  importedAt: string;
}

export interface StoredPaper {
  id: number;
  title: string;
  abstract: string;
  published_at: string;
  listed_on: string;
  listed: number;
  upvotes: number;
  author_count: number;
  github_url: string | null;
  github_stars: number | null;
  project_url: string | null;
  thumbnail_url: string | null;
  ai_summary: string | null;
  ai_keywords: string | null;
  comment_count: number | null;
  organization_id: number | null;
}

export type PaperColumns = Omit<StoredPaper, 'id'>;

const maxOf = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

/**
 * The merge rules for a paper seen again: metadata from the newer record
 * (where it has any), the highest upvotes and stars, the earliest real listing.
 */
function mergeColumns(old: StoredPaper, record: PaperRecord, organizationId: number | null): PaperColumns {
  const listedOn =
    record.listedOn === null ? old.listed_on : old.listed ? (record.listedOn < old.listed_on ? record.listedOn : old.listed_on) : record.listedOn;
  return {
    title: record.title,
    abstract: record.abstract,
    published_at: record.publishedAt,
    listed_on: listedOn,
    listed: old.listed || record.listedOn !== null ? 1 : 0,
    upvotes: Math.max(old.upvotes, record.upvotes),
    author_count: record.authors.length > 0 ? record.authorCount : old.author_count,
    github_url: record.githubUrl ?? old.github_url,
    github_stars: maxOf(old.github_stars, record.githubStars),
    project_url: record.projectUrl ?? old.project_url,
    thumbnail_url: record.thumbnailUrl ?? old.thumbnail_url,
    ai_summary: record.aiSummary ?? old.ai_summary,
    ai_keywords: record.aiKeywords ? JSON.stringify(record.aiKeywords) : old.ai_keywords,
    comment_count: maxOf(old.comment_count, record.commentCount),
    organization_id: organizationId ?? old.organization_id,
  };
}

function newColumns(record: PaperRecord, organizationId: number | null): PaperColumns {
  return {
    title: record.title,
    abstract: record.abstract,
    published_at: record.publishedAt,
    listed_on: record.listedOn ?? record.publishedAt,
    listed: record.listedOn === null ? 0 : 1,
    upvotes: record.upvotes,
    author_count: record.authorCount,
    github_url: record.githubUrl,
    github_stars: record.githubStars,
    project_url: record.projectUrl,
    thumbnail_url: record.thumbnailUrl,
    ai_summary: record.aiSummary,
    ai_keywords: record.aiKeywords ? JSON.stringify(record.aiKeywords) : null,
    comment_count: record.commentCount,
    organization_id: organizationId,
  };
}

/** The columns a paper row is written with, in order. */
export const COLUMNS = Object.keys(newColumns({ authors: [] } as unknown as PaperRecord, null)) as (keyof PaperColumns)[];

export interface AuthorLink {
  author_id: number;
  position: number;
}

/** What the merge reads and writes, one implementation per engine. Ids are the new rows' ids. */
export interface WriteStatements {
  organizationBySlug(slug: string): MaybePromise<{ id: number; name: string; avatar_url: string | null } | undefined>;
  insertOrganization(slug: string, name: string, nameKey: string, avatarUrl: string | null): MaybePromise<number>;
  /** Also brings the search text of the organization's papers up to date. */
  updateOrganization(id: number, name: string, nameKey: string, avatarUrl: string | null): MaybePromise<unknown>;
  /** The known authors of these identity keys, by key. */
  authorsByKeys(keys: string[]): MaybePromise<Map<string, { id: number; account_name: string | null }>>;
  /** New authors, in this order; their ids by key. */
  insertAuthors(authors: { name: string; key: string; accountName: string | null }[]): MaybePromise<Map<string, number>>;
  setAccountName(id: number, accountName: string): MaybePromise<unknown>;
  paperByArxivId(arxivId: string): MaybePromise<StoredPaper | undefined>;
  insertPaper(arxivId: string, columns: PaperColumns): MaybePromise<number>;
  updatePaper(id: number, columns: PaperColumns): MaybePromise<unknown>;
  linksOfPaper(paperId: number): MaybePromise<AuthorLink[]>;
  /** Replaces the paper's authors, and the authors its search text holds. */
  writeLinks(paperId: number, links: AuthorLink[]): MaybePromise<unknown>;
  /** Brings the search text of a paper whose title or abstract changed up to date (SQLite's triggers do it themselves). */
  refreshSearch(paperId: number): MaybePromise<unknown>;
  /** Recounts the papers of these authors and organizations, and drops those left with none. */
  recount(authorIds: number[], organizationIds: number[]): MaybePromise<unknown>;
  /** Adds words to the prefix-search vocabulary (those known already stay). */
  addWords(words: string[]): MaybePromise<unknown>;
  historyAtOrBefore(paperId: number, day: string): MaybePromise<{ date: string; upvotes: number; github_stars: number | null } | undefined>;
  upsertHistory(paperId: number, day: string, upvotes: number, githubStars: number | null): MaybePromise<unknown>;
  importByChecksum(checksum: string): MaybePromise<{ file: string; imported_at: string } | undefined>;
  insertImport(entry: LedgerEntry): MaybePromise<unknown>;
  terms: TermStatements;
}

/** SQLite's statements, prepared once. */
function sqliteWriteStatements(sqlite: Database['sqlite']): WriteStatements {
  const q = {
    organizationBySlug: sqlite.prepare<[string], { id: number; name: string; avatar_url: string | null }>(
      'SELECT id, name, avatar_url FROM organizations WHERE slug = ?',
    ),
    insertOrganization: sqlite.prepare('INSERT INTO organizations (slug, name, name_key, avatar_url) VALUES (?, ?, ?, ?)'),
    updateOrganization: sqlite.prepare('UPDATE organizations SET name = ?, name_key = ?, avatar_url = ? WHERE id = ?'),
    authorByKey: sqlite.prepare<[string], { id: number; account_name: string | null }>(
      'SELECT id, account_name FROM authors WHERE name_key = ?',
    ),
    insertAuthor: sqlite.prepare('INSERT INTO authors (name, name_key, account_name) VALUES (?, ?, ?)'),
    setAccountName: sqlite.prepare('UPDATE authors SET account_name = ? WHERE id = ?'),
    paperByArxivId: sqlite.prepare<[string], StoredPaper>(`SELECT id, ${COLUMNS.join(', ')} FROM papers WHERE arxiv_id = ?`),
    insertPaper: sqlite.prepare(
      `INSERT INTO papers (arxiv_id, ${COLUMNS.join(', ')}) VALUES (@arxiv_id, ${COLUMNS.map((c) => `@${c}`).join(', ')})`,
    ),
    updatePaper: sqlite.prepare(`UPDATE papers SET ${COLUMNS.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`),
    linksOfPaper: sqlite.prepare<[number], AuthorLink>('SELECT author_id, position FROM paper_authors WHERE paper_id = ? ORDER BY position'),
    deleteLinks: sqlite.prepare('DELETE FROM paper_authors WHERE paper_id = ?'),
    insertLink: sqlite.prepare('INSERT OR IGNORE INTO paper_authors (paper_id, author_id, position) VALUES (?, ?, ?)'),
    refreshSearchAuthors: sqlite.prepare(
      `UPDATE papers_fts SET authors = (
         SELECT coalesce(group_concat(name, ' '), '') FROM (
           SELECT a.name FROM paper_authors pa JOIN authors a ON a.id = pa.author_id WHERE pa.paper_id = @id ORDER BY pa.position))
       WHERE rowid = @id`,
    ),
    recountAuthors: sqlite.prepare(
      `UPDATE authors SET paper_count = (SELECT count(*) FROM paper_authors WHERE author_id = authors.id)
       WHERE id IN (SELECT value FROM json_each(?))`,
    ),
    deleteOrphanAuthors: sqlite.prepare('DELETE FROM authors WHERE paper_count = 0 AND id IN (SELECT value FROM json_each(?))'),
    recountOrganizations: sqlite.prepare(
      `UPDATE organizations SET paper_count = (SELECT count(*) FROM papers WHERE organization_id = organizations.id)
       WHERE id IN (SELECT value FROM json_each(?))`,
    ),
    deleteOrphanOrganizations: sqlite.prepare(
      'DELETE FROM organizations WHERE paper_count = 0 AND id IN (SELECT value FROM json_each(?))',
    ),
    insertWord: sqlite.prepare('INSERT OR IGNORE INTO search_words (word) VALUES (?)'),
    historyAtOrBefore: sqlite.prepare<[number, string], { date: string; upvotes: number; github_stars: number | null }>(
      'SELECT date, upvotes, github_stars FROM upvote_history WHERE paper_id = ? AND date <= ? ORDER BY date DESC LIMIT 1',
    ),
    upsertHistory: sqlite.prepare(
      `INSERT INTO upvote_history (paper_id, date, upvotes, github_stars) VALUES (?, ?, ?, ?)
       ON CONFLICT (paper_id, date) DO UPDATE SET upvotes = max(upvotes, excluded.upvotes), github_stars = coalesce(max(github_stars, excluded.github_stars), github_stars, excluded.github_stars)`,
    ),
    importByChecksum: sqlite.prepare<[string], { file: string; imported_at: string }>(
      'SELECT file, imported_at FROM imports WHERE checksum = ?',
    ),
    insertImport: sqlite.prepare(
      `INSERT INTO imports (file, checksum, imported_at, items, papers_added, papers_updated, papers_unchanged,
         authors_added, organizations_added, items_skipped)
       VALUES (@file, @checksum, @importedAt, @items, @papersAdded, @papersUpdated, @papersUnchanged,
         @authorsAdded, @organizationsAdded, @itemsSkipped)`,
    ),
  };
  return {
    organizationBySlug: (slug) => q.organizationBySlug.get(slug),
    insertOrganization: (slug, name, nameKey, avatarUrl) => Number(q.insertOrganization.run(slug, name, nameKey, avatarUrl).lastInsertRowid),
    updateOrganization: (id, name, nameKey, avatarUrl) => q.updateOrganization.run(name, nameKey, avatarUrl, id),
    authorsByKeys(keys) {
      const found = new Map<string, { id: number; account_name: string | null }>();
      for (const key of keys) {
        const author = q.authorByKey.get(key);
        if (author) found.set(key, author);
      }
      return found;
    },
    insertAuthors: (authors) => new Map(authors.map((a) => [a.key, Number(q.insertAuthor.run(a.name, a.key, a.accountName).lastInsertRowid)])),
    setAccountName: (id, accountName) => q.setAccountName.run(accountName, id),
    paperByArxivId: (arxivId) => q.paperByArxivId.get(arxivId),
    insertPaper: (arxivId, columns) => Number(q.insertPaper.run({ arxiv_id: arxivId, ...columns }).lastInsertRowid),
    updatePaper: (id, columns) => q.updatePaper.run({ id, ...columns }),
    linksOfPaper: (paperId) => q.linksOfPaper.all(paperId),
    writeLinks(paperId, links) {
      q.deleteLinks.run(paperId);
      for (const link of links) q.insertLink.run(paperId, link.author_id, link.position);
      q.refreshSearchAuthors.run({ id: paperId });
    },
    refreshSearch: () => undefined,
    recount(authorIds, organizationIds) {
      q.recountAuthors.run(JSON.stringify(authorIds));
      q.deleteOrphanAuthors.run(JSON.stringify(authorIds));
      q.recountOrganizations.run(JSON.stringify(organizationIds));
      q.deleteOrphanOrganizations.run(JSON.stringify(organizationIds));
    },
    addWords: (words) => words.forEach((word) => q.insertWord.run(word)),
    historyAtOrBefore: (paperId, day) => q.historyAtOrBefore.get(paperId, day),
    upsertHistory: (paperId, day, upvotes, githubStars) => q.upsertHistory.run(paperId, day, upvotes, githubStars),
    importByChecksum: (checksum) => q.importByChecksum.get(checksum),
    insertImport: (entry) => q.insertImport.run(entry),
    terms: sqliteTermStatements(sqlite),
  };
}

/**
 * The merge over one engine's statements. `relatedIndex: false` leaves the
 * related-papers index alone (a bulk load then runs npm run reindex;
 * benchmarks compare).
 */
export function catalogueWriter(q: WriteStatements, { relatedIndex = true }: { relatedIndex?: boolean } = {}) {
  const terms = relatedIndex ? termIndexer(q.terms) : null;
  const textOf = (p: PaperColumns) => ({ title: p.title, abstract: p.abstract, aiKeywords: p.ai_keywords });

  // Words written to search_words in this merge run, so that each is written once.
  const knownWords = new Set<string>();

  function* addSearchWords(record: PaperRecord): Steps<void> {
    const text = [record.title, record.abstract, record.organization?.name ?? '', ...record.authors.map((a) => a.name)].join(' ');
    const words = [...new Set(searchableWords(text))].filter((word) => !knownWords.has(word));
    for (const word of words) knownWords.add(word);
    if (words.length > 0) yield* answer(q.addWords(words));
  }

  // Per merge run: what to recount at the end, and what was created.
  const touchedAuthors = new Set<number>();
  const touchedOrganizations = new Set<number>();
  let authorsAdded = 0;
  let organizationsAdded = 0;

  function* organizationId(record: PaperRecord): Steps<number | null> {
    const org = record.organization;
    if (!org) return null;
    const found = yield* answer(q.organizationBySlug(org.slug));
    if (!found) {
      organizationsAdded++;
      return yield* answer(q.insertOrganization(org.slug, org.name, org.name.toLowerCase(), org.avatarUrl));
    }
    const avatarUrl = org.avatarUrl ?? found.avatar_url;
    if (found.name !== org.name || found.avatar_url !== avatarUrl) {
      yield* answer(q.updateOrganization(found.id, org.name, org.name.toLowerCase(), avatarUrl));
    }
    return found.id;
  }

  /**
   * Author ids in paper order, each once (two entries with one identity are
   * one author): the known ones read at once, the new ones written at once,
   * in the order they first appear; the account name is the last one given.
   */
  function* authorLinks(record: PaperRecord): Steps<AuthorLink[]> {
    const entries = record.authors.map((author) => ({ author, key: authorKey(author.name) }));
    const found = yield* answer(q.authorsByKeys([...new Set(entries.map((e) => e.key))]));
    const missing = new Map<string, { name: string; key: string; accountName: string | null }>();
    for (const { author, key } of entries) if (!found.has(key) && !missing.has(key)) missing.set(key, { name: displayName(author.name), key, accountName: author.accountName });
    const inserted = missing.size > 0 ? yield* answer(q.insertAuthors([...missing.values()])) : new Map<string, number>();
    authorsAdded += inserted.size;
    const accounts = new Map([...found].map(([key, a]) => [key, a.account_name]));
    for (const [key, a] of missing) accounts.set(key, a.accountName);
    const seen = new Set<number>();
    const links = [];
    for (const { author, key } of entries) {
      const id = found.get(key)?.id ?? inserted.get(key)!;
      if (author.accountName && accounts.get(key) !== author.accountName) {
        yield* answer(q.setAccountName(id, author.accountName));
        accounts.set(key, author.accountName);
      }
      if (seen.has(id)) continue;
      seen.add(id);
      links.push({ author_id: id, position: author.position });
    }
    return links;
  }

  function* writeLinks(paperId: number, links: AuthorLink[]): Steps<void> {
    yield* answer(q.writeLinks(paperId, links));
    for (const link of links) touchedAuthors.add(link.author_id);
  }

  /**
   * The paper's counts as of `day`, written only when they differ from its
   * latest row up to that day (stars the record does not give are not a change).
   */
  function* observe(paperId: number, record: PaperRecord, day: string | null): Steps<void> {
    if (day === null) return;
    const previous = yield* answer(q.historyAtOrBefore(paperId, day));
    const stars = record.githubStars ?? previous?.github_stars ?? null;
    if (previous && previous.upvotes === record.upvotes && previous.github_stars === stars) return;
    yield* answer(q.upsertHistory(paperId, day, record.upvotes, stars));
  }

  /** Merges one record into the catalogue by its arXiv id, and notes its counts as of `observedOn`. */
  function* mergePaper(record: PaperRecord, observedOn: string | null): Steps<MergeOutcome> {
    yield* addSearchWords(record);
    const orgId = yield* organizationId(record);
    const links = yield* authorLinks(record);
    const old = yield* answer(q.paperByArxivId(record.arxivId));
    if (!old) {
      const columns = newColumns(record, orgId);
      const id = yield* answer(q.insertPaper(record.arxivId, columns));
      yield* writeLinks(id, links);
      yield* observe(id, record, observedOn);
      if (terms) yield* terms.index(id, textOf(columns), null);
      if (orgId !== null) touchedOrganizations.add(orgId);
      return 'added';
    }
    yield* observe(old.id, record, observedOn);
    const merged = mergeColumns(old, record, orgId);
    const oldLinks = yield* answer(q.linksOfPaper(old.id));
    const linksChanged =
      links.length > 0 &&
      (links.length !== oldLinks.length ||
        links.some((l, i) => l.author_id !== oldLinks[i]!.author_id || l.position !== oldLinks[i]!.position));
    const columnsChanged = COLUMNS.some((c) => merged[c] !== old[c]);
    if (!columnsChanged && !linksChanged) return 'unchanged';
    if (columnsChanged) yield* answer(q.updatePaper(old.id, merged));
    const textsChanged = merged.title !== old.title || merged.abstract !== old.abstract || merged.ai_keywords !== old.ai_keywords;
    if (textsChanged && terms) yield* terms.index(old.id, textOf(merged), textOf(old));
    if (linksChanged) {
      for (const l of oldLinks) touchedAuthors.add(l.author_id);
      yield* writeLinks(old.id, links);
    } else if (columnsChanged) {
      yield* answer(q.refreshSearch(old.id));
    }
    for (const id of [old.organization_id, merged.organization_id]) if (id !== null) touchedOrganizations.add(id);
    return 'updated';
  }

  return {
    /**
     * Merges the records, brings the derived counts up to date, and drops
     * authors and organizations left without papers. Call it inside
     * `transaction` so that a failure leaves nothing half-written. Each
     * paper's upvotes and stars are noted in its history as of the day
     * `observedOn` gives (by default its listing day; none without one).
     */
    *mergeRecords(
      records: PaperRecord[],
      observedOn: (record: PaperRecord) => string | null = (record) => record.listedOn,
    ): Steps<Omit<ImportCounts, 'items' | 'itemsSkipped'>> {
      touchedAuthors.clear();
      touchedOrganizations.clear();
      knownWords.clear();
      authorsAdded = 0;
      organizationsAdded = 0;
      const outcomes = { added: 0, updated: 0, unchanged: 0 };
      for (const record of records) outcomes[yield* mergePaper(record, observedOn(record))]++;
      yield* answer(q.recount([...touchedAuthors], [...touchedOrganizations]));
      return {
        papersAdded: outcomes.added,
        papersUpdated: outcomes.updated,
        papersUnchanged: outcomes.unchanged,
        authorsAdded,
        organizationsAdded,
      };
    },

    /** The earlier import of the same bytes, if there was one. */
    *findImport(checksum: string): Steps<{ file: string; importedAt: string } | null> {
      const row = yield* answer(q.importByChecksum(checksum));
      return row ? { file: row.file, importedAt: row.imported_at } : null;
    },

    *recordImport(entry: LedgerEntry): Steps<void> {
      yield* answer(q.insertImport(entry));
    },
  };
}

/** A writer and the transactions it writes in: all of `work` is written, or none. */
export type CatalogueWriter = ReturnType<typeof catalogueWriter> & {
  transaction<T>(work: () => Steps<T>): Steps<T>;
};

/** The writer of a SQLite catalogue: its steps run at once (runNow), each transaction better-sqlite3's. */
export function createCatalogueWriter({ sqlite }: Database, options: { relatedIndex?: boolean } = {}): CatalogueWriter {
  return {
    ...catalogueWriter(sqliteWriteStatements(sqlite), options),
    *transaction(work) {
      return sqlite.transaction(() => runNow(work()))();
    },
  };
}
