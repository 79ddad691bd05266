// Imports files into the catalogue: one transaction per file, recorded in the
// imports ledger in that same transaction, so that a file is either wholly
// imported and recorded or not touched at all (also when the process is
// killed), and the same bytes are never imported twice.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '../db/index.ts';
import { dayOf } from '../catalogue/dates.ts';
import { createCatalogueWriter, type CatalogueWriter, type ImportCounts } from '../catalogue/store.ts';
import { runNow, type Steps } from '../catalogue/steps.ts';
import { loadInputFile, readInputFile } from './read.ts';
import type { Problem } from './record.ts';

export interface ImportOptions {
  /** Import the valid items of a file that has invalid ones, instead of rejecting it. */
  skipInvalid?: boolean;
  /** Work out what would change, then roll back. */
  dryRun?: boolean;
  /** Keep the related-papers index current (default true; false for a bulk load followed by npm run reindex). */
  relatedIndex?: boolean;
}

export type FileOutcome =
  | { file: string; status: 'imported'; counts: ImportCounts; skipped: Problem[] }
  | { file: string; status: 'already-imported'; previous: { file: string; importedAt: string } }
  | { file: string; status: 'rejected'; problems: Problem[] };

/** A mistake in what was asked for (exit status 2), as opposed to a bad file. */
export class UsageError extends Error {}

const INPUT = /\.json(\.gz)?$/u;

/** The input files named by `paths`: files as given, folders searched recursively, in name order. */
export function listInputFiles(paths: string[]): string[] {
  const files: string[] = [];
  const visit = (p: string, explicit: boolean): void => {
    let stat;
    try {
      stat = statSync(p);
    } catch {
      throw new UsageError(`${p}: no such file or folder`);
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(p).sort()) visit(path.join(p, name), false);
    } else if (explicit || INPUT.test(p)) {
      files.push(p);
    }
  };
  for (const p of paths) visit(p, true);
  return files;
}

class DryRunRollback extends Error {
  constructor(readonly counts: ImportCounts) {
    super('dry run');
  }
}

/** Imports one file in one transaction of `writer`, unless the same bytes were imported before or the file is rejected. */
export function* importFile(writer: CatalogueWriter, file: string, options: ImportOptions = {}): Steps<FileOutcome> {
  const input = loadInputFile(file);
  const previous = yield* writer.findImport(input.checksum);
  if (previous) return { file, status: 'already-imported', previous };

  const read = readInputFile(input);
  const fileLevel = read.problems.some((p) => p.index === null);
  if (read.problems.length > 0 && (fileLevel || !options.skipInvalid)) {
    return { file, status: 'rejected', problems: read.problems };
  }
  try {
    const counts = yield* writer.transaction(function* () {
      // Upvotes are noted as of the paper's listing day, or the day the file was written where it lists none.
      const fileDay = dayOf(statSync(file).mtimeMs);
      const merged = yield* writer.mergeRecords(read.records, (record) => record.listedOn ?? fileDay);
      const counts = { items: read.items, itemsSkipped: read.problems.length, ...merged };
      if (options.dryRun) throw new DryRunRollback(counts);
      yield* writer.recordImport({ file, checksum: input.checksum, importedAt: new Date().toISOString(), ...counts });
      return counts;
    });
    return { file, status: 'imported', counts, skipped: read.problems };
  } catch (error) {
    if (error instanceof DryRunRollback) return { file, status: 'imported', counts: error.counts, skipped: read.problems };
    throw error;
  }
}

/** What a run did: files by outcome, and the counts of the files imported, added up. */
export interface ImportSummary extends Omit<ImportCounts, 'items'> {
  files: number;
  imported: number;
  alreadyImported: number;
  rejected: number;
}

/** Imports each file in turn into a SQLite catalogue, telling `onFile` how it went. */
export function importFiles(
  database: Database,
  files: string[],
  options: ImportOptions = {},
  onFile: (outcome: FileOutcome, done: number) => void = () => {},
): ImportSummary {
  return runNow(importEach(createCatalogueWriter(database, options), files, options, onFile));
}

/** Imports each file in turn through `writer`, telling `onFile` how it went: what importFiles does, on either engine. */
export function* importEach(
  writer: CatalogueWriter,
  files: string[],
  options: ImportOptions = {},
  onFile: (outcome: FileOutcome, done: number) => void = () => {},
): Steps<ImportSummary> {
  const summary: ImportSummary = {
    files: files.length,
    imported: 0,
    alreadyImported: 0,
    rejected: 0,
    papersAdded: 0,
    papersUpdated: 0,
    papersUnchanged: 0,
    authorsAdded: 0,
    organizationsAdded: 0,
    itemsSkipped: 0,
  };
  const importAll = function* (): Steps<void> {
    for (const [i, file] of files.entries()) {
      const outcome = yield* importFile(writer, file, { ...options, dryRun: false });
      if (outcome.status === 'imported') {
        summary.imported++;
        for (const key of ['papersAdded', 'papersUpdated', 'papersUnchanged', 'authorsAdded', 'organizationsAdded', 'itemsSkipped'] as const) {
          summary[key] += outcome.counts[key];
        }
      } else if (outcome.status === 'already-imported') {
        summary.alreadyImported++;
      } else {
        summary.rejected++;
      }
      onFile(outcome, i + 1);
    }
  };
  if (!options.dryRun) {
    yield* importAll();
    return summary;
  }
  // A dry run imports the files for real inside one transaction and rolls it
  // all back at the end. Rolling back each file on its own would count every
  // file against the untouched catalogue: a paper or author shared by two
  // files counted as added twice, the same bytes under two names imported twice.
  const rollback = new Error('dry run');
  try {
    yield* writer.transaction(function* () {
      yield* importAll();
      throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw error;
  }
  return summary;
}
