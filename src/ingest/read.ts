// Turns one input file (JSON, or gzip-compressed JSON) into records and problems.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readDailyPapersItem, unwrapDailyPapers } from './daily-papers.ts';
import { FieldError, describeType, type PaperRecord, type Problem, type ReadResult } from './record.ts';
import { isSeedPapers, readSeedPapersItem } from './seed-papers.ts';

export interface InputFile {
  /** The path as given, used in messages and in the imports ledger. */
  file: string;
  /** SHA-256 of the bytes on disk. */
  checksum: string;
  bytes: Buffer;
}

export function loadInputFile(file: string): InputFile {
  const bytes = readFileSync(file);
  return { file, bytes, checksum: createHash('sha256').update(bytes).digest('hex') };
}

/** The listing day a daily-papers file is named after ("2025-10-03.json"), if it is. */
function dayFromName(file: string): string | null {
  const match = /^(\d{4}-\d{2}-\d{2})\.json(?:\.gz)?$/u.exec(path.basename(file));
  return match ? match[1]! : null;
}

/** `listingDay`: the day the items were listed on, where the file's name does not say it (a sync names the day it asked for). */
export function readInputFile({ file, bytes }: InputFile, listingDay: string | null = dayFromName(file)): ReadResult {
  const fileProblem = (message: string): ReadResult => ({
    format: 'daily-papers',
    items: 0,
    records: [],
    problems: [{ file, index: null, field: '', message }],
  });

  let json: unknown;
  try {
    const text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
    json = JSON.parse(text);
  } catch (error) {
    return fileProblem(`not readable as JSON: ${(error as Error).message}`);
  }

  const daily = unwrapDailyPapers(json);
  if (!daily) return fileProblem(`expected a list of papers or an object with a "data" list, got ${describeType(json)}`);

  const seed = isSeedPapers(daily.items);
  const day = listingDay ?? daily.day;
  const records: PaperRecord[] = [];
  const problems: Problem[] = [];
  daily.items.forEach((item, index) => {
    try {
      records.push(seed ? readSeedPapersItem(item) : readDailyPapersItem(item, day));
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      problems.push({ file, index, field: error.field, message: error.message });
    }
  });
  return { format: seed ? 'seed-papers' : 'daily-papers', items: daily.items.length, records, problems };
}
