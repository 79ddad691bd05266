// The ingest command as people run it: `npx tsx src/main.ts ingest …` in a
// child process, on a database file named by DATABASE_PATH. Exit status,
// output, what ends up in the file, and a run killed part-way.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalogue, type Database } from '../src/catalogue/index.ts';
import { runIngest } from '../src/ingest/cli.ts';
import { importFiles, listInputFiles, type ImportSummary } from '../src/ingest/importer.ts';
import {
  NO_MISMATCHES,
  ROOT,
  catalogueSnapshot,
  clone,
  counts,
  dailyItems,
  dailySeedFiles,
  derivedCountMismatches,
  dump,
  readJson,
  seedFigures,
  seedPapersFile,
  seededCopy,
  smallestDailyFile,
  snapshot,
  tempDir,
  writeJson,
} from './ingest-helpers.ts';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const running = new Set<ChildProcess>();

/** npx starts tsx, which starts node: each run gets its own process group, and the whole group is killed. */
function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

afterAll(() => {
  for (const child of running) killGroup(child);
});

function startIngest(args: string[], databasePath: string, onStdout?: (stdout: string, child: ChildProcess) => void) {
  const child = spawn('npx', ['tsx', 'src/main.ts', 'ingest', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_PATH: databasePath },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    onStdout?.(stdout, child);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // 'close' comes once every process holding the output pipes is gone, not just npx.
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

const ingest = (args: string[], databasePath: string): Promise<Run> => startIngest(args, databasePath).done;

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

function withDatabase<T>(file: string, use: (database: Database) => T): T {
  const database = openCatalogue(file);
  try {
    return use(database);
  } finally {
    database.close();
  }
}

/** The summary line the command prints, from the importer's own counts worked out in-process. */
function summaryLine(s: ImportSummary): string {
  return (
    `${s.files} file${s.files === 1 ? '' : 's'}: ${s.imported} imported, ${s.alreadyImported} already imported, ${s.rejected} rejected; ` +
    `papers ${s.papersAdded} added, ${s.papersUpdated} updated, ${s.papersUnchanged} unchanged; ` +
    `${s.authorsAdded} authors and ${s.organizationsAdded} organizations added; ${s.itemsSkipped} items skipped.`
  );
}

/** A folder of a few real seed files: daily files in a subfolder, and the seed-papers file. */
function smallFolder(): string {
  const dir = tempDir('cli-folder');
  mkdirSync(path.join(dir, 'days'));
  for (const file of dailySeedFiles().slice(40, 44)) copyFileSync(file, path.join(dir, 'days', path.basename(file)));
  copyFileSync(seedPapersFile(), path.join(dir, path.basename(seedPapersFile())));
  return dir;
}

/** A daily file whose item 1 has no title and whose item 2 is a string. */
function malformedFile(dir: string): { file: string; items: number } {
  const items: unknown[] = clone(dailyItems(smallestDailyFile()));
  delete (items[1] as { paper: { title?: string }; title?: string }).paper.title;
  delete (items[1] as { title?: string }).title;
  items[2] = 'not a paper';
  return { file: writeJson(dir, '2029-05-01.json', items), items: items.length };
}

// Each run starts npx, tsx and node: seconds each on a busy machine, hence the timeouts.
const CLI_TIMEOUT = 90_000;

describe('npx tsx src/main.ts ingest', { timeout: CLI_TIMEOUT }, () => {
  it('exits 2 with one line naming the problem and pointing at --help for no arguments, an unknown flag or a missing path, and creates no database', async () => {
    const dir = tempDir('cli-usage');
    const cases = [
      { args: [], message: 'no files or folders given' },
      { args: ['--frobnicate', 'seeds/'], message: 'unknown option --frobnicate' },
      { args: [path.join(dir, 'missing')], message: `${path.join(dir, 'missing')}: no such file or folder` },
    ];
    const runs = await Promise.all(cases.map((c, i) => ingest(c.args, path.join(dir, `usage-${i}.db`))));
    runs.forEach((run, i) => {
      expect(run.code, cases[i]!.args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(lines(run.stderr)).toEqual([`ingest: ${cases[i]!.message} (see npm run ingest -- --help)`]);
      expect(lines(run.stderr)[0]).toMatch(/^ingest: /);
      expect(existsSync(path.join(dir, `usage-${i}.db`))).toBe(false);
    });
  });

  it('--dry-run reports what the real run then does and writes nothing; the real run prints one plain line per file and a one-line summary; run again, it says nothing changed', async () => {
    const dir = smallFolder();
    const files = listInputFiles([dir]);
    expect(files).toHaveLength(5);
    const databasePath = path.join(tempDir('cli-import'), 'catalogue.db');
    withDatabase(databasePath, (database) => importFiles(database, files.slice(0, 1)));
    const before = withDatabase(databasePath, snapshot);
    // What the command should do, worked out in-process on a copy.
    const expected = openCatalogue(':memory:');
    importFiles(expected, files.slice(0, 1));
    const summary = importFiles(expected, files);

    const dry = await ingest(['--dry-run', dir], databasePath);
    expect(dry.code).toBe(0);
    expect(withDatabase(databasePath, snapshot)).toEqual(before);

    const real = await ingest([dir], databasePath);
    expect(real.code).toBe(0);
    expect(real.stderr).toBe('');
    expect(real.stdout).not.toMatch(/[\r\x1b]/);
    const out = lines(real.stdout);
    expect(out).toHaveLength(files.length + 1);
    expect(out[0]).toMatch(new RegExp(`^${escape(files[0]!)}: already imported \\(as ${escape(files[0]!)} at .+\\), nothing to do$`));
    out.slice(1, -1).forEach((line, i) => {
      const file = files[i + 1]!;
      const items = (readJson(file) as unknown[]).length;
      expect(line).toMatch(new RegExp(`^${escape(file)}: imported ${items} of ${items} items \\(papers \\d+ added, \\d+ updated, \\d+ unchanged\\)$`));
    });
    expect(out.at(-1)).toBe(summaryLine(summary));
    const afterReal = withDatabase(databasePath, snapshot);
    expect(afterReal).toEqual(snapshot(expected));
    expected.close();

    const dryOut = lines(dry.stdout);
    expect(dryOut.at(-1)).toBe(`Dry run, nothing written: ${out.at(-1)}`);
    expect(dryOut.slice(0, -1)).toEqual(out.slice(0, -1).map((line) => line.replace(': imported ', ': would import ')));

    const again = await ingest([dir], databasePath);
    expect(again.code).toBe(0);
    const againOut = lines(again.stdout);
    expect(againOut.slice(0, -1)).toEqual(
      files.map((f) => expect.stringMatching(new RegExp(`^${escape(f)}: already imported \\(as ${escape(f)} at .+\\), nothing to do$`))),
    );
    expect(againOut.at(-1)).toBe(`${files.length} files, all already imported: nothing changed.`);
    expect(withDatabase(databasePath, snapshot)).toEqual(afterReal);
    expect(afterReal.imports.rows).toBe(files.length);
  });

  it('exits 1 for a malformed file, naming the file, item and field, and writes nothing; --skip-invalid imports the rest and exits 0', async () => {
    const dir = tempDir('cli-malformed');
    const { file, items } = malformedFile(dir);
    const databasePath = path.join(dir, 'catalogue.db');
    withDatabase(databasePath, (database) => importFiles(database, dailySeedFiles().slice(0, 2)));
    const before = withDatabase(databasePath, snapshot);

    const rejected = await ingest([file], databasePath);
    expect(rejected.code).toBe(1);
    expect(lines(rejected.stderr)).toEqual([
      `${file}: rejected, nothing imported from it:`,
      `  ${file}: item 1: field "paper.title": is missing`,
      `  ${file}: item 2: expected an object, got a string ("not a paper")`,
    ]);
    expect(lines(rejected.stdout)).toEqual([
      '1 file: 0 imported, 0 already imported, 1 rejected; papers 0 added, 0 updated, 0 unchanged; 0 authors and 0 organizations added; 0 items skipped.',
    ]);
    expect(withDatabase(databasePath, snapshot)).toEqual(before);

    const skipped = await ingest(['--skip-invalid', file], databasePath);
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toBe('');
    const out = lines(skipped.stdout);
    expect(out.slice(0, 3)).toEqual([
      expect.stringMatching(new RegExp(`^${escape(file)}: imported ${items - 2} of ${items} items `)),
      `  skipped ${file}: item 1: field "paper.title": is missing`,
      `  skipped ${file}: item 2: expected an object, got a string ("not a paper")`,
    ]);
    expect(out.at(-1)).toMatch(/^1 file: 1 imported, .* 2 items skipped\.$/);
    const after = withDatabase(databasePath, counts);
    expect(after.papers).toBe(before.papers.rows + items - 2);
    expect(after.imports).toBe(before.imports.rows + 1);
  });

  it('survives being killed part-way: the file stays consistent, and the same command then finishes the import', async () => {
    const databasePath = path.join(tempDir('cli-killed'), 'catalogue.db');
    let killedAfter: number | null = null;
    const first = startIngest(['seeds/'], databasePath, (stdout, child) => {
      if (killedAfter === null && lines(stdout).length >= 3) {
        killedAfter = lines(stdout).length;
        killGroup(child);
      }
    });
    const interrupted = await first.done;
    expect(killedAfter, interrupted.stderr).not.toBeNull();
    // Normally killed; if the import won the race and finished, the end state is checked all the same.
    if (interrupted.code !== 0) expect(interrupted.signal).toBe('SIGKILL');

    const files = listInputFiles(['seeds/']);
    const ledger = withDatabase(databasePath, (database) => {
      expect(database.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(derivedCountMismatches(database)).toEqual(NO_MISMATCHES);
      const ledger = (dump(database, 'imports') as { file: string }[]).map((row) => row.file);
      expect(ledger.length).toBeGreaterThanOrEqual(3);
      expect(ledger).toEqual(files.slice(0, ledger.length));
      // Every file in the ledger wholly there, and nothing of any other file.
      const reference = openCatalogue(':memory:');
      importFiles(reference, ledger);
      expect(snapshot(database)).toEqual(snapshot(reference));
      reference.close();
      return ledger;
    });
    const reported = lines(interrupted.stdout).map((line) => line.split(': imported ')[0]);
    expect(ledger).toEqual(expect.arrayContaining(reported));

    const resumed = await ingest(['seeds/'], databasePath);
    expect(resumed.code).toBe(0);
    const out = lines(resumed.stdout);
    expect(out.filter((line) => line.includes(': already imported ('))).toHaveLength(ledger.length);
    expect(out.filter((line) => / imported \d+ of \d+ items/.test(line))).toHaveLength(files.length - ledger.length);

    const uninterrupted = seededCopy();
    const figures = seedFigures();
    expect(figures).toMatchObject({ papers: 4216, organizations: 701, authors: 23908 });
    withDatabase(databasePath, (database) => {
      expect(counts(database)).toEqual({ papers: 4216, organizations: 701, authors: 23908, imports: files.length });
      expect(counts(database)).toEqual(counts(uninterrupted));
      expect(dump(database, 'papers')).toEqual(dump(uninterrupted, 'papers'));
      expect(catalogueSnapshot(database)).toEqual(catalogueSnapshot(uninterrupted));
      expect(database.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    });
    uninterrupted.close();
  });
});

describe('runIngest output', () => {
  it('returns 2 for a folder without .json or .json.gz files, without opening the database', async () => {
    const empty = tempDir('cli-empty');
    const err = sink(false);
    let opened = false;
    const status = await runIngest([empty], () => ((opened = true), openCatalogue(':memory:')), sink(false), err);
    expect(status).toBe(2);
    expect(opened).toBe(false);
    expect(err.chunks.join('')).toBe(`ingest: no .json or .json.gz files in ${empty} (see npm run ingest -- --help)\n`);
  });

  const files = () => dailySeedFiles().slice(0, 3);

  it('writes plain lines to stdout when it is not a terminal, even if stderr is one', async () => {
    const out = sink(false);
    const err = sink(true);
    expect(await runIngest(files(), () => openCatalogue(':memory:'), out, err)).toBe(0);
    expect(err.chunks).toEqual([]);
    const text = out.chunks.join('');
    expect(text).not.toMatch(/[\r\x1b]/);
    expect(lines(text)).toHaveLength(files().length + 1);
  });

  it('draws a progress bar on stderr when both are terminals, and prints only the summary to stdout', async () => {
    const out = sink(true);
    const err = sink(true);
    expect(await runIngest(files(), () => openCatalogue(':memory:'), out, err)).toBe(0);
    expect(err.chunks.join('')).toContain(`] ${files().length}/${files().length} `);
    expect(lines(out.chunks.join(''))).toEqual([expect.stringMatching(/^3 files: 3 imported, /)]);
  });
});

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (text: string) => chunks.push(text) };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
