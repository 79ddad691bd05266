// The catalogue's tables. Dates are ISO strings ("YYYY-MM-DD" for days,
// full ISO-8601 for instants) so that they sort as text and read as text.
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const organizations = sqliteTable(
  'organizations',
  {
    id: integer('id').primaryKey(),
    /** Lower-cased `name` of the daily-papers API, e.g. "nvidia". */
    slug: text('slug').notNull(),
    /** Display name (the API's `fullname`), e.g. "NVIDIA". */
    name: text('name').notNull(),
    /** Lower-cased display name, for ordering and prefix search. */
    nameKey: text('name_key').notNull(),
    avatarUrl: text('avatar_url'),
    /** Kept up to date by the importer, in the same transaction as the papers. */
    paperCount: integer('paper_count').notNull().default(0),
  },
  (t) => [
    uniqueIndex('organizations_slug_unique').on(t.slug),
    index('organizations_name_key_idx').on(t.nameKey, t.slug),
    index('organizations_paper_count_idx').on(t.paperCount, t.slug),
  ],
);

export const papers = sqliteTable(
  'papers',
  {
    id: integer('id').primaryKey(),
    arxivId: text('arxiv_id').notNull(),
    title: text('title').notNull(),
    abstract: text('abstract').notNull(),
    /** Publication day on arXiv, "YYYY-MM-DD" (UTC). */
    publishedAt: text('published_at').notNull(),
    /** Day of the earliest daily-papers listing, else the publication day. */
    listedOn: text('listed_on').notNull(),
    /** Whether listedOn comes from a real listing (and not from publishedAt). */
    listed: integer('listed', { mode: 'boolean' }).notNull().default(false),
    upvotes: integer('upvotes').notNull().default(0),
    authorCount: integer('author_count').notNull(),
    githubUrl: text('github_url'),
    githubStars: integer('github_stars'),
    projectUrl: text('project_url'),
    thumbnailUrl: text('thumbnail_url'),
    aiSummary: text('ai_summary'),
    /** JSON array of strings. */
    aiKeywords: text('ai_keywords'),
    commentCount: integer('comment_count'),
    organizationId: integer('organization_id').references(() => organizations.id),
  },
  (t) => [
    uniqueIndex('papers_arxiv_id_unique').on(t.arxivId),
    // Lists run newest (or most upvoted) first, ties by arXiv id ascending: each
    // index holds that order, so that a page is read off it with no sort.
    index('papers_published_at_desc_idx').on(sql`${t.publishedAt} DESC`, t.arxivId),
    index('papers_listed_on_desc_idx').on(sql`${t.listedOn} DESC`, t.arxivId),
    index('papers_upvotes_desc_idx').on(sql`${t.upvotes} DESC`, t.arxivId),
    index('papers_organization_published_idx').on(t.organizationId, sql`${t.publishedAt} DESC`, t.arxivId),
    index('papers_has_code_idx').on(sql`(${t.githubUrl} IS NOT NULL)`, t.publishedAt),
  ],
);

export const authors = sqliteTable(
  'authors',
  {
    id: integer('id').primaryKey(),
    /** The name as first seen (NFC, whitespace collapsed). */
    name: text('name').notNull(),
    /** Identity: the name, NFC, whitespace collapsed, lower-cased. */
    nameKey: text('name_key').notNull(),
    /** Username of a linked daily-papers account, where one was given. */
    accountName: text('account_name'),
    paperCount: integer('paper_count').notNull().default(0),
  },
  (t) => [uniqueIndex('authors_name_key_unique').on(t.nameKey)],
);

export const paperAuthors = sqliteTable(
  'paper_authors',
  {
    paperId: integer('paper_id')
      .notNull()
      .references(() => papers.id, { onDelete: 'cascade' }),
    authorId: integer('author_id')
      .notNull()
      .references(() => authors.id),
    /** Index in the paper's author list (hidden authors leave a gap). */
    position: integer('position').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.paperId, t.authorId] }),
    index('paper_authors_author_idx').on(t.authorId, t.paperId),
    // A page's authors, in paper order, from the index alone: no sort, no visit to the table.
    index('paper_authors_paper_order_idx').on(t.paperId, t.position, t.authorId),
  ],
);

export const imports = sqliteTable(
  'imports',
  {
    id: integer('id').primaryKey(),
    file: text('file').notNull(),
    /** SHA-256 of the file's bytes: the same content is imported once. */
    checksum: text('checksum').notNull(),
    importedAt: text('imported_at').notNull(),
    items: integer('items').notNull(),
    papersAdded: integer('papers_added').notNull(),
    papersUpdated: integer('papers_updated').notNull(),
    papersUnchanged: integer('papers_unchanged').notNull(),
    authorsAdded: integer('authors_added').notNull(),
    organizationsAdded: integer('organizations_added').notNull(),
    itemsSkipped: integer('items_skipped').notNull(),
  },
  (t) => [uniqueIndex('imports_checksum_unique').on(t.checksum)],
);

/** Small key/value facts about the database itself, e.g. when the seeds were loaded. */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export type PaperRow = typeof papers.$inferSelect;
export type AuthorRow = typeof authors.$inferSelect;
export type OrganizationRow = typeof organizations.$inferSelect;

/**
 * Every word of the searchable text, unstemmed and lower-cased: what a
 * `prefix*` search expands to, since the stemmed index cannot find
 * "tokenization" from "tokeniz" (it holds only the stem "token").
 */
export const searchWords = sqliteTable('search_words', {
  word: text('word').primaryKey(),
});

/**
 * Digest subscriptions. The address is needed to send mail and is never
 * served by the API; `settings` (period, organizations, query) identifies a
 * subscription together with the address, so asking twice makes no duplicate.
 */
export const subscriptions = sqliteTable(
  'subscriptions',
  {
    id: integer('id').primaryKey(),
    email: text('email').notNull(),
    period: text('period', { enum: ['DAY', 'WEEK', 'MONTH'] }).notNull(),
    /** JSON array of organization slugs, sorted; "[]" for all. */
    organizations: text('organizations').notNull(),
    query: text('query'),
    settings: text('settings').notNull(),
    status: text('status', { enum: ['pending', 'active', 'ended'] }).notNull(),
    createdAt: text('created_at').notNull(),
    confirmedAt: text('confirmed_at'),
    endedAt: text('ended_at'),
    lastConfirmationAt: text('last_confirmation_at'),
  },
  (t) => [
    uniqueIndex('subscriptions_live_unique').on(t.email, t.settings).where(sql`status <> 'ended'`),
    index('subscriptions_period_idx').on(t.period, t.status),
  ],
);

/**
 * The papers a subscription's reader liked and disliked: its digest ranks
 * the period's papers by how well they fit them (catalogue/related.ts).
 */
export const subscriptionPapers = sqliteTable(
  'subscription_papers',
  {
    subscriptionId: integer('subscription_id')
      .notNull()
      .references(() => subscriptions.id, { onDelete: 'cascade' }),
    paperId: integer('paper_id')
      .notNull()
      .references(() => papers.id, { onDelete: 'cascade' }),
    opinion: text('opinion', { enum: ['liked', 'disliked'] }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.subscriptionId, t.paperId] })],
);

/** Confirmation and unsubscribe tokens, stored only as SHA-256 hashes. */
export const subscriptionTokens = sqliteTable(
  'subscription_tokens',
  {
    hash: text('hash').primaryKey(),
    subscriptionId: integer('subscription_id')
      .notNull()
      .references(() => subscriptions.id),
    purpose: text('purpose', { enum: ['confirm', 'unsubscribe'] }).notNull(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at'),
    usedAt: text('used_at'),
  },
  (t) => [index('subscription_tokens_subscription_idx').on(t.subscriptionId)],
);

/**
 * Mail waiting to be delivered, and delivered mail. `key` makes enqueueing
 * idempotent (one digest per subscription and period); failed deliveries
 * are retried at `nextAttemptAt` with backoff.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey(),
    key: text('key').notNull(),
    kind: text('kind', { enum: ['confirmation', 'digest'] }).notNull(),
    subscriptionId: integer('subscription_id').references(() => subscriptions.id),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html').notNull(),
    /** JSON object of extra headers (List-Unsubscribe…). */
    headers: text('headers').notNull(),
    createdAt: text('created_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: text('next_attempt_at').notNull(),
    sentAt: text('sent_at'),
    lastError: text('last_error'),
    /** "host:pid" of the process sending it now: two senders (the server and `digest send`) never send one mail twice. */
    lockedBy: text('locked_by'),
    lockedUntil: text('locked_until'),
  },
  (t) => [uniqueIndex('outbox_key_unique').on(t.key), index('outbox_due_idx').on(t.sentAt, t.nextAttemptAt)],
);

/**
 * What subscribing has cost, per address and per client IP: one row per
 * confirmation mail queued ("address") and per subscription asked for ("ip"),
 * counted over a window to limit how much mail one address receives and one
 * client can cause. Only SHA-256 hashes of the address or IP are kept.
 */
export const mailQuota = sqliteTable(
  'mail_quota',
  {
    id: integer('id').primaryKey(),
    bucket: text('bucket', { enum: ['address', 'ip'] }).notNull(),
    keyHash: text('key_hash').notNull(),
    at: text('at').notNull(),
  },
  (t) => [index('mail_quota_key_idx').on(t.bucket, t.keyHash, t.at)],
);

/**
 * Each paper's upvotes and GitHub stars as of a day (the day they were seen:
 * a sync's fetch day, a file's listing day), written only when they differ
 * from the paper's previous row, so that "gained since" can be answered.
 */
export const upvoteHistory = sqliteTable(
  'upvote_history',
  {
    paperId: integer('paper_id')
      .notNull()
      .references(() => papers.id, { onDelete: 'cascade' }),
    /** "YYYY-MM-DD": the day the counts were observed. */
    date: text('date').notNull(),
    upvotes: integer('upvotes').notNull(),
    githubStars: integer('github_stars'),
  },
  // By day: the papers whose upvotes changed within a trending window.
  (t) => [primaryKey({ columns: [t.paperId, t.date] }), index('upvote_history_date_idx').on(t.date, t.paperId)],
);

/**
 * The sync's ledger: one row per listing day fetched from the daily-papers
 * API, written in the same transaction as the day's papers. A day whose
 * ETag or checksum is unchanged is not imported again.
 */
export const syncDays = sqliteTable('sync_days', {
  /** The listing day, "YYYY-MM-DD". */
  date: text('date').primaryKey(),
  /** When the day was last fetched (ISO instant), successfully or not. */
  fetchedAt: text('fetched_at').notNull(),
  /** ETag and SHA-256 of the last response imported. */
  etag: text('etag'),
  checksum: text('checksum'),
  items: integer('items').notNull().default(0),
  papersAdded: integer('papers_added').notNull().default(0),
  papersUpdated: integer('papers_updated').notNull().default(0),
  /** "ok" once imported (or found unchanged); "failed" with `message` when the last fetch could not be imported. */
  status: text('status', { enum: ['ok', 'failed'] }).notNull(),
  message: text('message'),
});

/** One row per sync run: what /metrics reports (the last success, its age, papers added; failures). */
export const syncRuns = sqliteTable(
  'sync_runs',
  {
    id: integer('id').primaryKey(),
    startedAt: text('started_at').notNull(),
    finishedAt: text('finished_at'),
    /** running; ok (every day synced); failed (a day failed, or the upstream could not be reached). */
    status: text('status', { enum: ['running', 'ok', 'failed'] }).notNull(),
    days: integer('days').notNull().default(0),
    papersAdded: integer('papers_added').notNull().default(0),
    papersUpdated: integer('papers_updated').notNull().default(0),
    message: text('message'),
  },
  (t) => [index('sync_runs_status_idx').on(t.status, t.finishedAt)],
);

/** Named leases: one holder ("host:pid") at a time across processes, until `expiresAt` or its process is gone. */
export const leases = sqliteTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: text('expires_at').notNull(),
});

/** The periods whose digests the server queued on its own once they were complete and synced: each once. */
export const digestSchedule = sqliteTable(
  'digest_schedule',
  {
    period: text('period', { enum: ['DAY', 'WEEK', 'MONTH'] }).notNull(),
    /** First day of the period. */
    start: text('start').notNull(),
    queuedAt: text('queued_at').notNull(),
    /** Mails queued for it. */
    mails: integer('mails').notNull(),
  },
  (t) => [primaryKey({ columns: [t.period, t.start] })],
);

/**
 * The related-papers index (catalogue/terms.ts): each paper's strongest
 * terms, with their weight in the paper (tf, log-scaled and normalized, no
 * idf: idf is applied at query time from term_stats, so an import changes
 * every paper's scores at once without rewriting them). Kept in the
 * importer's transaction; `npm run reindex` rebuilds it.
 */
export const paperTerms = sqliteTable(
  'paper_terms',
  {
    paperId: integer('paper_id')
      .notNull()
      .references(() => papers.id, { onDelete: 'cascade' }),
    term: text('term').notNull(),
    weight: real('weight').notNull(),
  },
  // A term's postings strongest first: a query reads only the head of each (related.ts).
  (t) => [primaryKey({ columns: [t.paperId, t.term] }), index('paper_terms_term_weight_idx').on(t.term, sql`${t.weight} DESC`, t.paperId)],
);

/**
 * Document frequencies: in how many papers each term occurs (in any of its
 * words, not only its strongest), and the term as first written (for
 * `because`). The row with the empty term counts the papers indexed.
 */
export const termStats = sqliteTable('term_stats', {
  term: text('term').primaryKey(),
  df: integer('df').notNull(),
  surface: text('surface').notNull(),
});
