// Importing the bundled seeds: the figures, the ledger, idempotency (of the
// ledger and of the merge itself), resuming an interrupted seed load, dry runs.
import { runNow } from '../src/catalogue/steps.ts';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalogue, type Database } from '../src/catalogue/index.ts';
import { getMeta, setMeta } from '../src/catalogue/meta.ts';
import { createCatalogueWriter, type MergeOutcome } from '../src/catalogue/store.ts';
import { importFiles, type FileOutcome, type ImportSummary } from '../src/ingest/importer.ts';
import { loadInputFile, readInputFile } from '../src/ingest/read.ts';
import { loadSeedsIfNeeded, seedFiles } from '../src/ingest/seeds.ts';
import {
  NO_MISMATCHES,
  catalogueSnapshot,
  counts,
  dailyItems,
  dailySeedFiles,
  derivedCountMismatches,
  dump,
  snapshot,
  type Snapshot,
  seedFigures,
  seededCopy,
  tempDir,
  writeJson,
} from './ingest-helpers.ts';

const open: Database[] = [];
function memory(): Database {
  const database = openCatalogue(':memory:');
  open.push(database);
  return database;
}
/** A copy of the seeded catalogue, for tests that write to it. */
function seeded(): Database {
  const database = seededCopy();
  open.push(database);
  return database;
}
afterAll(() => {
  for (const database of open) database.close();
});

function importCollecting(database: Database, files: string[], options = {}) {
  const outcomes: FileOutcome[] = [];
  const summary = importFiles(database, files, options, (outcome) => outcomes.push(outcome));
  return { summary, outcomes };
}

/** The file's JSON with one more space at the end: the same records, other bytes. */
function whitespaceCopy(file: string): string {
  const copy = path.join(tempDir('whitespace'), path.basename(file, '.gz'));
  writeFileSync(copy, `${gunzipSync(readFileSync(file)).toString('utf8')} `);
  return copy;
}

const allUnchanged = (file: string, items: number): FileOutcome => ({
  file,
  status: 'imported',
  skipped: [],
  counts: { items, itemsSkipped: 0, papersAdded: 0, papersUpdated: 0, papersUnchanged: items, authorsAdded: 0, organizationsAdded: 0 },
});

describe('importing the bundled seeds', () => {
  let database: Database;
  let first: ImportSummary;
  let dry: { summary: ImportSummary; outcomes: FileOutcome[]; before: Snapshot; after: Snapshot };

  beforeAll(() => {
    database = memory();
    const before = snapshot(database);
    dry = { ...importCollecting(database, seedFiles(), { dryRun: true }), before, after: snapshot(database) };
    first = loadSeedsIfNeeded(database)!;
    // Two whole imports of the seeds, on a machine that runs the other test files beside it.
  }, 180_000);

  it('gives 4,216 papers (4,172 daily + 44 seed), 701 organizations and 23,908 authors, as counted from the files', () => {
    const figures = seedFigures();
    expect(figures).toMatchObject({ dailyPapers: 4172, seedPapers: 44, papers: 4216, organizations: 701, authors: 23908 });
    expect(counts(database)).toEqual({
      papers: figures.papers,
      organizations: figures.organizations,
      authors: figures.authors,
      imports: seedFiles().length,
    });
    expect(first).toMatchObject({
      files: seedFiles().length,
      imported: seedFiles().length,
      rejected: 0,
      papersAdded: figures.papers,
      papersUpdated: figures.items - figures.papers,
      authorsAdded: figures.authors,
      organizationsAdded: figures.organizations,
      itemsSkipped: 0,
    });
    expect(getMeta(database.db, 'seeds')).toBe('loaded');
  });

  it('records each file in the ledger with the checksum of its bytes and its item count', () => {
    const ledger = dump(database, 'imports') as { file: string; checksum: string; items: number }[];
    expect(ledger.map((row) => row.file)).toEqual(seedFiles());
    for (const row of ledger) {
      expect(row.checksum).toBe(createHash('sha256').update(readFileSync(row.file)).digest('hex'));
      const json = JSON.parse(gunzipSync(readFileSync(row.file)).toString('utf8')) as unknown[];
      expect(row.items, row.file).toBe(json.length);
    }
  });

  it('reports, as a dry run beforehand, the counts of the real import, file by file, and writes nothing', () => {
    expect(dry.after).toEqual(dry.before);
    expect(dry.before.papers.rows + dry.before.imports.rows).toBe(0);
    expect(dry.summary).toEqual(first);
    const ledger = database.sqlite.prepare('SELECT * FROM imports ORDER BY id').all() as Record<string, number | string>[];
    expect(dry.outcomes).toEqual(
      ledger.map((row) => ({
        file: row.file,
        status: 'imported',
        skipped: [],
        counts: {
          items: row.items,
          itemsSkipped: row.items_skipped,
          papersAdded: row.papers_added,
          papersUpdated: row.papers_updated,
          papersUnchanged: row.papers_unchanged,
          authorsAdded: row.authors_added,
          organizationsAdded: row.organizations_added,
        },
      })),
    );
  });

  it('keeps the derived paper counts of authors and organizations equal to the links', () => {
    expect(derivedCountMismatches(database)).toEqual(NO_MISMATCHES);
  });

  it('changes nothing when the same files are imported again: every file is already imported', () => {
    const before = snapshot(database);
    const { summary, outcomes } = importCollecting(database, seedFiles());
    expect(outcomes.map((o) => o.status)).toEqual(seedFiles().map(() => 'already-imported'));
    expect(outcomes.map((o) => (o.status === 'already-imported' ? o.previous.file : null))).toEqual(seedFiles());
    expect(summary).toMatchObject({ imported: 0, alreadyImported: seedFiles().length, papersAdded: 0, papersUpdated: 0 });
    expect(snapshot(database)).toEqual(before);
    expect(loadSeedsIfNeeded(database)).toBeNull();
    expect(snapshot(database)).toEqual(before);
  });

  it('skips a file whose bytes are already in the ledger under another name', () => {
    const original = dailySeedFiles()[3]!;
    const renamed = path.join(tempDir('renamed'), 'same-bytes-other-name.json.gz');
    copyFileSync(original, renamed);
    const database = seeded();
    const before = snapshot(database);
    const { outcomes } = importCollecting(database, [renamed]);
    expect(outcomes).toEqual([{ file: renamed, status: 'already-imported', previous: { file: original, importedAt: expect.any(String) } }]);
    expect(snapshot(database)).toEqual(before);
  });

  it('merges the same records again as all unchanged when the bytes differ (one more space, so no ledger match)', () => {
    // Re-merging an older day after newer ones may bring back that day's organization
    // avatars (last merged wins), so only the papers, authors and links are compared here;
    // the fresh-catalogue test below compares everything.
    const database = seeded();
    const copy = whitespaceCopy(dailySeedFiles()[0]!);
    const items = dailyItems(copy).length;
    const before = snapshot(database);
    const { outcomes } = importCollecting(database, [copy]);
    expect(outcomes).toEqual([allUnchanged(copy, items)]);
    const after = snapshot(database);
    for (const table of ['papers', 'authors', 'paper_authors'] as const) expect(after[table], table).toEqual(before[table]);
    expect(after.imports.rows).toBe(before.imports.rows + 1);
  });

  it('re-merging every record of the seeds leaves each paper listed once unchanged, and the catalogue as it was', () => {
    const writer = createCatalogueWriter(database);
    const records = seedFiles().flatMap((file) => readInputFile(loadInputFile(file)).records);
    const filesPerPaper = new Map<string, number>();
    for (const r of records) filesPerPaper.set(r.arxivId, (filesPerPaper.get(r.arxivId) ?? 0) + 1);
    const before = catalogueSnapshot(database);
    const outcomes: { arxivId: string; outcome: MergeOutcome }[] = [];
    let after: ReturnType<typeof catalogueSnapshot> | undefined;
    const rollback = new Error('rollback');
    expect(() =>
      runNow(writer.transaction(function* () {
        for (const record of records) {
          const c = yield* writer.mergeRecords([record]);
          const outcome: MergeOutcome = c.papersAdded ? 'added' : c.papersUpdated ? 'updated' : 'unchanged';
          outcomes.push({ arxivId: record.arxivId, outcome });
          expect(c.authorsAdded + c.organizationsAdded, record.arxivId).toBe(0);
        }
        after = catalogueSnapshot(database);
        throw rollback;
      })),
    ).toThrow(rollback);
    expect(outcomes).toHaveLength(records.length);
    expect(outcomes.filter((o) => o.outcome === 'added')).toEqual([]);
    const listedOnce = outcomes.filter((o) => filesPerPaper.get(o.arxivId) === 1);
    expect(listedOnce.length).toBe(records.length - 2 * [...filesPerPaper.values()].filter((n) => n === 2).length);
    expect(listedOnce.filter((o) => o.outcome !== 'unchanged')).toEqual([]);
    expect(after).toEqual(before);
    expect(catalogueSnapshot(database)).toEqual(before);
  });
});

describe('merging the same records twice', () => {
  it('leaves every paper unchanged and the whole catalogue as it was, file after file', () => {
    const database = memory();
    for (const file of dailySeedFiles().slice(0, 5)) {
      importFiles(database, [file]);
      const before = catalogueSnapshot(database);
      const copy = whitespaceCopy(file);
      const { outcomes } = importCollecting(database, [copy]);
      expect(outcomes).toEqual([allUnchanged(copy, dailyItems(file).length)]);
      expect(catalogueSnapshot(database), file).toEqual(before);
    }
    expect(counts(database).imports).toBe(10);
  });
});

describe('loadSeedsIfNeeded', () => {
  it('finishes a seed load that was interrupted, skipping the files already in the ledger', () => {
    const reference = seeded();
    const database = memory();
    const done = seedFiles().slice(0, 20);
    setMeta(database.db, 'seeds', 'loading');
    importFiles(database, done);
    const summary = loadSeedsIfNeeded(database)!;
    expect(summary).toMatchObject({ files: seedFiles().length, alreadyImported: done.length, imported: seedFiles().length - done.length, rejected: 0 });
    expect(getMeta(database.db, 'seeds')).toBe('loaded');
    expect(snapshot(database)).toEqual(snapshot(reference));
  });

  it('leaves alone a catalogue that other imports filled', () => {
    const database = memory();
    importFiles(database, dailySeedFiles().slice(0, 1));
    const before = snapshot(database);
    expect(loadSeedsIfNeeded(database)).toBeNull();
    expect(snapshot(database)).toEqual(before);
    expect(getMeta(database.db, 'seeds')).toBeNull();
  });
});

describe('dry run', () => {
  it('predicts that the same bytes under a second name are skipped', () => {
    const dir = tempDir('dry-twice');
    const original = dailySeedFiles()[5]!;
    const files = ['a.json.gz', 'b.json.gz'].map((name) => path.join(dir, name));
    for (const file of files) copyFileSync(original, file);
    const database = memory();
    const dry = importCollecting(database, files, { dryRun: true });
    expect(counts(database)).toEqual({ papers: 0, organizations: 0, authors: 0, imports: 0 });
    const real = importCollecting(database, files);
    expect(real.outcomes.map((o) => o.status)).toEqual(['imported', 'already-imported']);
    expect(dry.outcomes.map((o) => o.status)).toEqual(real.outcomes.map((o) => o.status));
    expect(dry.summary).toEqual(real.summary);
  });

  it('on a catalogue that has the files already, says so and changes nothing', () => {
    const database = memory();
    const files = dailySeedFiles().slice(0, 3);
    importFiles(database, files);
    const extra = writeJson(tempDir('dry-extra'), '2030-01-01.json', dailyItems(dailySeedFiles()[10]!));
    const before = snapshot(database);
    const { summary, outcomes } = importCollecting(database, [...files, extra], { dryRun: true });
    expect(outcomes.map((o) => o.status)).toEqual(['already-imported', 'already-imported', 'already-imported', 'imported']);
    expect(summary.papersAdded).toBe(dailyItems(extra).length);
    expect(snapshot(database)).toEqual(before);
  });
});
