// `npm run ingest -- [--dry-run] [--skip-invalid] <files or folders…>`
import { parseArgs } from 'node:util';
import { describeSettings } from '../config.ts';
import type { Database } from '../db/index.ts';
import type { PostgresDatabase } from '../db/postgres.ts';
import { importFilesIntoPostgres } from '../catalogue/pg-store.ts';
import { importFiles, listInputFiles, UsageError, type FileOutcome, type ImportSummary } from './importer.ts';
import { describeProblem } from './record.ts';

export const INGEST_USAGE = 'usage: npm run ingest -- [--dry-run] [--skip-invalid] <files or folders…>';

export const INGEST_HELP = `${INGEST_USAGE}

Imports daily-paper and paper files (.json, .json.gz; folders are searched)
into the catalogue. A file already imported (same checksum) is skipped.
Exit status: 0 all imported, 1 a file was rejected, 2 a usage error.

options:
  --dry-run        check and count, write nothing
  --skip-invalid   import a file's valid items, skipping the invalid ones
                   (without it a file with an invalid item is rejected whole)
  -h, --help       this text

${describeSettings(['DATABASE_PATH', 'DATABASE_URL', 'LOG_LEVEL'])}`;

/** One line for a usage error: what was wrong and where to read more. */
export const ingestUsageError = (problem: string): string => `ingest: ${problem} (see npm run ingest -- --help)\n`;

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Exit status: 0 all imported, 1 a file was rejected, 2 a usage error. `open` gives the SQLite catalogue, or the one on PostgreSQL. */
export async function runIngest(
  argv: string[],
  open: () => Database | Promise<PostgresDatabase>,
  out: Output = process.stdout,
  err: Output = process.stderr,
): Promise<number> {
  let files: string[];
  let options: { dryRun: boolean; skipInvalid: boolean };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'dry-run': { type: 'boolean', default: false },
        'skip-invalid': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help || positionals[0] === 'help') {
      out.write(INGEST_HELP);
      return 0;
    }
    if (positionals.length === 0) throw new UsageError('no files or folders given');
    files = listInputFiles(positionals);
    if (files.length === 0) throw new UsageError(`no .json or .json.gz files in ${positionals.join(', ')}`);
    options = { dryRun: values['dry-run'], skipInvalid: values['skip-invalid'] };
  } catch (error) {
    err.write(ingestUsageError(parseProblem(error)));
    return 2;
  }

  const database = await open();
  try {
    // Plain lines whenever stdout is not a terminal (redirected to a file or a pipe), even if stderr is.
    const progress = out.isTTY && err.isTTY ? progressBar(err, files.length) : null;
    const onFile = (outcome: FileOutcome, done: number): void => {
      progress?.update(done, outcome.file);
      const report = describeOutcome(outcome, options.dryRun);
      if (outcome.status === 'rejected') {
        progress?.clear();
        err.write(`${report}\n`);
      } else if (!progress || outcome.status === 'imported' && outcome.skipped.length > 0) {
        progress?.clear();
        out.write(`${report}\n`);
      }
    };
    const summary = 'sqlite' in database ? importFiles(database, files, options, onFile) : await importFilesIntoPostgres(database, files, options, onFile);
    progress?.clear();
    out.write(`${summarize(summary, options.dryRun)}\n`);
    return summary.rejected > 0 ? 1 : 0;
  } finally {
    await database.close();
  }
}

function describeOutcome(outcome: FileOutcome, dryRun: boolean): string {
  switch (outcome.status) {
    case 'already-imported':
      return `${outcome.file}: already imported (as ${outcome.previous.file} at ${outcome.previous.importedAt}), nothing to do`;
    case 'rejected':
      return [`${outcome.file}: rejected, nothing imported from it:`, ...outcome.problems.map((p) => `  ${describeProblem(p)}`)].join('\n');
    case 'imported': {
      const c = outcome.counts;
      const lines = [
        `${outcome.file}: ${dryRun ? 'would import' : 'imported'} ${c.items - c.itemsSkipped} of ${c.items} items` +
          ` (papers ${c.papersAdded} added, ${c.papersUpdated} updated, ${c.papersUnchanged} unchanged)`,
      ];
      for (const p of outcome.skipped) lines.push(`  skipped ${describeProblem(p)}`);
      return lines.join('\n');
    }
  }
}

export function summarize(s: ImportSummary, dryRun = false): string {
  const head = dryRun ? 'Dry run, nothing written: ' : '';
  if (s.imported === 0 && s.rejected === 0) {
    return `${head}${s.files} file${s.files === 1 ? '' : 's'}, all already imported: nothing changed.`;
  }
  return (
    `${head}${s.files} file${s.files === 1 ? '' : 's'}: ${s.imported} imported, ${s.alreadyImported} already imported, ${s.rejected} rejected; ` +
    `papers ${s.papersAdded} added, ${s.papersUpdated} updated, ${s.papersUnchanged} unchanged; ` +
    `${s.authorsAdded} authors and ${s.organizationsAdded} organizations added; ${s.itemsSkipped} items skipped.`
  );
}

function progressBar(stream: Output, total: number) {
  const width = 30;
  return {
    update(done: number, file: string): void {
      const filled = Math.round((done / total) * width);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${file.slice(-40)}\x1b[K`);
    },
    clear(): void {
      stream.write('\r\x1b[K');
    },
  };
}

/** node:util parseArgs says "Unknown option '--x'. To specify a positional argument…": keep the first sentence. */
export function parseProblem(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${/'([^']+)'/u.exec(message)?.[1] ?? message}`;
  if (code?.startsWith('ERR_PARSE_ARGS')) return message.split(/\.\s/u)[0]!.replace(/\.$/u, '');
  return message;
}
