// Shared by the test/ingest-*.test.ts files: temp folders, fixture files,
// whole-database snapshots, and figures worked out from the seed files
// themselves (independently of the readers under test).
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { openCatalogue, type Database } from '../src/catalogue/index.ts';
import { seedFiles } from '../src/ingest/seeds.ts';
import { inject } from 'vitest';

/** The project folder: the CLI runs from here, and seed paths are relative to it. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A new folder inside this run's folder under test/.tmp (global-setup removes it at the end). */
export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(inject('runFolder'), `ingest-${prefix}-`));
}

/** A private copy of the catalogue that global-setup built from the seeds (an uninterrupted import). */
export function seededCopy(): Database {
  const file = path.join(tempDir('seeded'), 'catalogue.db');
  copyFileSync(path.join(inject('runFolder'), 'seeded.db'), file);
  return openCatalogue(file);
}

export function readJson(file: string): unknown {
  const bytes = readFileSync(file);
  return JSON.parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'));
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(value, null, 1));
  return file;
}

/** Deep copy, so that fixtures can be mutated freely. */
export const clone = <T>(value: T): T => structuredClone(value);

export type RawItem = { paper: Record<string, any>; [key: string]: any };
export type RawSeedPaper = Record<string, any>;

export const dailySeedFiles = (): string[] => seedFiles().filter((f) => f.includes('daily-papers'));
export const seedPapersFile = (): string => seedFiles().find((f) => f.endsWith('seed-papers.json.gz'))!;

export function dailyItems(file: string): RawItem[] {
  return readJson(file) as RawItem[];
}

/** The smallest daily file of the seeds (a few real items), for fixtures. */
export function smallestDailyFile(): string {
  return dailySeedFiles()
    .map((file) => ({ file, n: dailyItems(file).length }))
    .sort((a, b) => a.n - b.n || a.file.localeCompare(b.file))[0]!.file;
}

/** The identity rule, restated here so that tests do not check the code against itself. */
export const nameKey = (name: string): string => name.normalize('NFC').replace(/\s+/gu, ' ').trim().toLowerCase();

/** What the seed files contain, counted straight from the JSON. */
export function seedFigures() {
  const dailyIds = new Set<string>();
  const seedIds = new Set<string>();
  const authorKeys = new Set<string>();
  const orgSlugs = new Set<string>();
  let items = 0;
  for (const file of dailySeedFiles()) {
    for (const item of dailyItems(file)) {
      items++;
      dailyIds.add(item.paper.id);
      for (const a of item.paper.authors ?? []) if (a.hidden !== true) authorKeys.add(nameKey(a.name));
      const org = item.organization ?? item.paper.organization;
      if (org) orgSlugs.add(org.name.toLowerCase());
    }
  }
  for (const paper of readJson(seedPapersFile()) as RawSeedPaper[]) {
    items++;
    seedIds.add(paper.arxivId);
    for (const name of paper.authors) authorKeys.add(nameKey(name));
    if (paper.organization) orgSlugs.add(paper.organization.slug.toLowerCase());
  }
  return {
    items,
    dailyPapers: dailyIds.size,
    seedPapers: seedIds.size,
    papers: new Set([...dailyIds, ...seedIds]).size,
    authors: authorKeys.size,
    organizations: orgSlugs.size,
  };
}

export function counts(database: Database) {
  const n = (table: string) => (database.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return { papers: n('papers'), organizations: n('organizations'), authors: n('authors'), imports: n('imports') };
}

const DUMPS = {
  papers: 'SELECT * FROM papers ORDER BY id',
  authors: 'SELECT * FROM authors ORDER BY id',
  organizations: 'SELECT * FROM organizations ORDER BY id',
  paper_authors: 'SELECT * FROM paper_authors ORDER BY paper_id, position',
  // The import time differs from one run to the next; everything else must not.
  imports:
    'SELECT id, file, checksum, items, papers_added, papers_updated, papers_unchanged, authors_added, organizations_added, items_skipped FROM imports ORDER BY id',
} as const;

export type Snapshot = Record<keyof typeof DUMPS, { rows: number; sha256: string }>;

export function dump(database: Database, table: keyof typeof DUMPS): unknown[] {
  return database.sqlite.prepare(DUMPS[table]).all();
}

/** Row count and a checksum of the full contents of every catalogue table. */
export function snapshot(database: Database): Snapshot {
  const entries = Object.keys(DUMPS).map((table) => {
    const rows = dump(database, table as keyof typeof DUMPS);
    return [table, { rows: rows.length, sha256: createHash('sha256').update(JSON.stringify(rows)).digest('hex') }];
  });
  return Object.fromEntries(entries) as Snapshot;
}

/** The snapshot without the imports ledger: the catalogue's contents alone. */
export function catalogueSnapshot(database: Database): Omit<Snapshot, 'imports'> {
  const { imports: _ledger, ...rest } = snapshot(database);
  return rest;
}

/** Derived counts that must always agree with the rows they count. */
export function derivedCountMismatches(database: Database) {
  return {
    authorPaperCounts: database.sqlite
      .prepare('SELECT count(*) AS n FROM authors a WHERE paper_count != (SELECT count(*) FROM paper_authors WHERE author_id = a.id)')
      .get(),
    organizationPaperCounts: database.sqlite
      .prepare('SELECT count(*) AS n FROM organizations o WHERE paper_count != (SELECT count(*) FROM papers WHERE organization_id = o.id)')
      .get(),
    authorsWithoutPapers: database.sqlite.prepare('SELECT count(*) AS n FROM authors WHERE paper_count = 0').get(),
    organizationsWithoutPapers: database.sqlite.prepare('SELECT count(*) AS n FROM organizations WHERE paper_count = 0').get(),
    papersWithMoreLinksThanAuthors: database.sqlite
      .prepare('SELECT count(*) AS n FROM papers p WHERE author_count < (SELECT count(*) FROM paper_authors WHERE paper_id = p.id)')
      .get(),
  };
}

export const NO_MISMATCHES = {
  authorPaperCounts: { n: 0 },
  organizationPaperCounts: { n: 0 },
  authorsWithoutPapers: { n: 0 },
  organizationsWithoutPapers: { n: 0 },
  papersWithMoreLinksThanAuthors: { n: 0 },
};

export function paperRow(database: Database, arxivId: string): Record<string, any> | undefined {
  return database.sqlite.prepare('SELECT * FROM papers WHERE arxiv_id = ?').get(arxivId) as Record<string, any> | undefined;
}

/** Names of a paper's stored authors, in paper order, with their positions. */
export function paperAuthors(database: Database, arxivId: string): { name: string; position: number; accountName: string | null }[] {
  return database.sqlite
    .prepare(
      `SELECT a.name, pa.position, a.account_name AS accountName FROM paper_authors pa
       JOIN authors a ON a.id = pa.author_id JOIN papers p ON p.id = pa.paper_id
       WHERE p.arxiv_id = ? ORDER BY pa.position`,
    )
    .all(arxivId) as { name: string; position: number; accountName: string | null }[];
}
