// The catalogue's tables on PostgreSQL: the twins of schema.ts, with the same
// names, columns and values (dates stay ISO strings, JSON stays text), so that
// a catalogue moves between the engines unchanged (`npm run copy`). What
// differs is the search index: a weighted tsvector on papers instead of FTS5.
// Each table's documentation is in schema.ts.
import { sql } from 'drizzle-orm';
import { boolean, customType, doublePrecision, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** An integer key that the copy can set and that new rows get from a sequence. */
const id = () => integer('id').primaryKey().generatedByDefaultAsIdentity();

export const organizations = pgTable(
  'organizations',
  {
    id: id(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    nameKey: text('name_key').notNull(),
    avatarUrl: text('avatar_url'),
    paperCount: integer('paper_count').notNull().default(0),
  },
  (t) => [
    uniqueIndex('organizations_slug_unique').on(t.slug),
    // text_pattern_ops: prefix search (name_key LIKE 'nvi%') reads the index whatever the collation.
    index('organizations_name_key_idx').on(sql`${t.nameKey} text_pattern_ops`, t.slug),
    index('organizations_paper_count_idx').on(t.paperCount, t.slug),
  ],
);

export const papers = pgTable(
  'papers',
  {
    id: id(),
    arxivId: text('arxiv_id').notNull(),
    title: text('title').notNull(),
    abstract: text('abstract').notNull(),
    publishedAt: text('published_at').notNull(),
    listedOn: text('listed_on').notNull(),
    listed: boolean('listed').notNull().default(false),
    upvotes: integer('upvotes').notNull().default(0),
    authorCount: integer('author_count').notNull(),
    githubUrl: text('github_url'),
    githubStars: integer('github_stars'),
    projectUrl: text('project_url'),
    thumbnailUrl: text('thumbnail_url'),
    aiSummary: text('ai_summary'),
    aiKeywords: text('ai_keywords'),
    commentCount: integer('comment_count'),
    organizationId: integer('organization_id').references(() => organizations.id),
    /**
     * Title (weight A), authors (B), organization (C) and abstract (D), with
     * Porter stemming and no stop words, as FTS5 on SQLite: what searchPapers matches. Written by
     * refresh_paper_search(ids) in the import's transaction (drizzle/pg, the custom migration).
     */
    search: tsvector('search'),
  },
  (t) => [
    uniqueIndex('papers_arxiv_id_unique').on(t.arxivId),
    index('papers_published_at_desc_idx').on(sql`${t.publishedAt} DESC`, t.arxivId),
    index('papers_listed_on_desc_idx').on(sql`${t.listedOn} DESC`, t.arxivId),
    index('papers_upvotes_desc_idx').on(sql`${t.upvotes} DESC`, t.arxivId),
    index('papers_organization_published_idx').on(t.organizationId, sql`${t.publishedAt} DESC`, t.arxivId),
    index('papers_has_code_idx').on(sql`(${t.githubUrl} IS NOT NULL)`, t.publishedAt),
    // No pending list: one cut short left searches with an exclusion counting papers they exclude (drizzle/pg/0003).
    index('papers_search_idx').using('gin', t.search).with({ fastupdate: false }),
  ],
);

export const authors = pgTable(
  'authors',
  {
    id: id(),
    name: text('name').notNull(),
    nameKey: text('name_key').notNull(),
    accountName: text('account_name'),
    paperCount: integer('paper_count').notNull().default(0),
  },
  (t) => [uniqueIndex('authors_name_key_unique').on(t.nameKey)],
);

export const paperAuthors = pgTable(
  'paper_authors',
  {
    paperId: integer('paper_id')
      .notNull()
      .references(() => papers.id, { onDelete: 'cascade' }),
    authorId: integer('author_id')
      .notNull()
      .references(() => authors.id),
    position: integer('position').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.paperId, t.authorId] }),
    index('paper_authors_author_idx').on(t.authorId, t.paperId),
    index('paper_authors_paper_order_idx').on(t.paperId, t.position, t.authorId),
  ],
);

export const imports = pgTable(
  'imports',
  {
    id: id(),
    file: text('file').notNull(),
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

export const meta = pgTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const searchWords = pgTable(
  'search_words',
  {
    word: text('word').primaryKey(),
  },
  // Prefix ranges (word >= 'tok' AND word < 'tok\u{10FFFF}') in byte order, whatever the database's collation.
  (t) => [index('search_words_prefix_idx').on(sql`${t.word} COLLATE "C"`)],
);

export const subscriptions = pgTable(
  'subscriptions',
  {
    id: id(),
    email: text('email').notNull(),
    period: text('period', { enum: ['DAY', 'WEEK', 'MONTH'] }).notNull(),
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

export const subscriptionPapers = pgTable(
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

export const subscriptionTokens = pgTable(
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

export const outbox = pgTable(
  'outbox',
  {
    id: id(),
    key: text('key').notNull(),
    kind: text('kind', { enum: ['confirmation', 'digest'] }).notNull(),
    subscriptionId: integer('subscription_id').references(() => subscriptions.id),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html').notNull(),
    headers: text('headers').notNull(),
    createdAt: text('created_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: text('next_attempt_at').notNull(),
    sentAt: text('sent_at'),
    lastError: text('last_error'),
    lockedBy: text('locked_by'),
    lockedUntil: text('locked_until'),
  },
  (t) => [uniqueIndex('outbox_key_unique').on(t.key), index('outbox_due_idx').on(t.sentAt, t.nextAttemptAt)],
);

export const mailQuota = pgTable(
  'mail_quota',
  {
    id: id(),
    bucket: text('bucket', { enum: ['address', 'ip'] }).notNull(),
    keyHash: text('key_hash').notNull(),
    at: text('at').notNull(),
  },
  (t) => [index('mail_quota_key_idx').on(t.bucket, t.keyHash, t.at)],
);

export const upvoteHistory = pgTable(
  'upvote_history',
  {
    paperId: integer('paper_id')
      .notNull()
      .references(() => papers.id, { onDelete: 'cascade' }),
    date: text('date').notNull(),
    upvotes: integer('upvotes').notNull(),
    githubStars: integer('github_stars'),
  },
  (t) => [primaryKey({ columns: [t.paperId, t.date] }), index('upvote_history_date_idx').on(t.date, t.paperId)],
);

export const syncDays = pgTable('sync_days', {
  date: text('date').primaryKey(),
  fetchedAt: text('fetched_at').notNull(),
  etag: text('etag'),
  checksum: text('checksum'),
  items: integer('items').notNull().default(0),
  papersAdded: integer('papers_added').notNull().default(0),
  papersUpdated: integer('papers_updated').notNull().default(0),
  status: text('status', { enum: ['ok', 'failed'] }).notNull(),
  message: text('message'),
});

export const syncRuns = pgTable(
  'sync_runs',
  {
    id: id(),
    startedAt: text('started_at').notNull(),
    finishedAt: text('finished_at'),
    status: text('status', { enum: ['running', 'ok', 'failed'] }).notNull(),
    days: integer('days').notNull().default(0),
    papersAdded: integer('papers_added').notNull().default(0),
    papersUpdated: integer('papers_updated').notNull().default(0),
    message: text('message'),
  },
  (t) => [index('sync_runs_status_idx').on(t.status, t.finishedAt)],
);

export const leases = pgTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: text('expires_at').notNull(),
});

export const digestSchedule = pgTable(
  'digest_schedule',
  {
    period: text('period', { enum: ['DAY', 'WEEK', 'MONTH'] }).notNull(),
    start: text('start').notNull(),
    queuedAt: text('queued_at').notNull(),
    mails: integer('mails').notNull(),
  },
  (t) => [primaryKey({ columns: [t.period, t.start] })],
);

export const paperTerms = pgTable(
  'paper_terms',
  {
    paperId: integer('paper_id')
      .notNull()
      .references(() => papers.id, { onDelete: 'cascade' }),
    term: text('term').notNull(),
    weight: doublePrecision('weight').notNull(),
  },
  (t) => [primaryKey({ columns: [t.paperId, t.term] }), index('paper_terms_term_weight_idx').on(t.term, sql`${t.weight} DESC`, t.paperId)],
);

export const termStats = pgTable('term_stats', {
  term: text('term').primaryKey(),
  df: integer('df').notNull(),
  surface: text('surface').notNull(),
});
