// npm run bench:import -- [--scale <papers>]: the import of a generated
// catalogue (generate.ts, as the bench's --scale builds it) into each engine,
// through the project's own paths:
//
//   SQLite       importFiles, one transaction per file (npm run ingest)
//   PostgreSQL   the same files through importFilesIntoPostgres (npm run ingest with DATABASE_URL)
//   PostgreSQL   the SQLite file copied (copyCatalogue, npm run copy), the first start's seeding path
//
// into a PostgreSQL server of its own (test/postgres.ts), stopped at the end.
// Prints the times, papers per second and database sizes; figures and their
// history are in test/bench/README.md.
//
//   npm run bench:import                     20,000 papers
//   npm run bench:import -- --scale 100000   100,000 papers: about half an hour on 2 cores
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openCatalogue } from '../../src/catalogue/index.ts';
import { countPapers } from '../../src/catalogue/papers.ts';
import { importFilesIntoPostgres } from '../../src/catalogue/pg-store.ts';
import { copyCatalogue } from '../../src/db/copy.ts';
import { openPostgres, type PostgresDatabase } from '../../src/db/postgres.ts';
import { importFiles, type ImportSummary } from '../../src/ingest/importer.ts';
import { startPostgres } from '../postgres.ts';
import { generateCatalogue } from './generate.ts';

const progress = (message: string) => process.stderr.write(`bench:import: ${message}\n`);
const since = (started: number) => (performance.now() - started) / 1000;

function scaleOf(args: string[]): number {
  if (args.length === 0) return 20_000;
  const value = Number(args[0] === '--scale' ? args[1] : /^--scale=(.+)$/u.exec(args[0] ?? '')?.[1]);
  if (!Number.isInteger(value) || value < 1000 || value > 1_000_000) throw new Error(`give --scale <papers>, a whole number from 1000 to 1000000; got "${args.join(' ')}"`);
  return value;
}

function checked(summary: ImportSummary, what: string): ImportSummary {
  if (summary.rejected > 0 || summary.itemsSkipped > 0) throw new Error(`importing ${what} failed: ${JSON.stringify(summary)}`);
  return summary;
}

async function sizeOf(postgres: PostgresDatabase): Promise<string> {
  const { rows } = await postgres.pool.query<{ size: string }>('SELECT pg_size_pretty(pg_database_size(current_database())) AS size');
  return rows[0]!.size;
}

async function main(): Promise<void> {
  const scale = scaleOf(process.argv.slice(2));
  const folder = mkdtempSync(path.join(tmpdir(), 'bench-import-'));
  const server = await startPostgres();
  try {
    progress(`generating ${scale} papers`);
    const generated = generateCatalogue(path.join(folder, 'daily-papers'), { papers: scale });
    const lines: string[] = [];
    const rate = (papers: number, seconds: number) => `${seconds.toFixed(1)} s, ${Math.round(papers / seconds).toLocaleString('en-US')} papers/s`;

    progress(`importing ${generated.files.length} files into SQLite`);
    const file = path.join(folder, 'catalogue.db');
    const sqlite = openCatalogue(file);
    let started = performance.now();
    checked(importFiles(sqlite, generated.files), 'into SQLite');
    const sqliteSeconds = since(started);
    const papers = countPapers(sqlite.db, {});
    sqlite.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    lines.push(`SQLite, npm run ingest (importFiles): ${rate(papers, sqliteSeconds)}; file ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB`);

    progress(`importing ${generated.files.length} files into PostgreSQL`);
    const ingested = await openPostgres(await server.createDatabase('ingested'), { watch: false });
    started = performance.now();
    checked(await importFilesIntoPostgres(ingested, generated.files, {}, (_outcome, done) => {
      if (done % 50 === 0) progress(`${done} of ${generated.files.length} files (${since(started).toFixed(0)} s)`);
    }), 'into PostgreSQL');
    lines.push(`PostgreSQL, npm run ingest with DATABASE_URL (importFilesIntoPostgres): ${rate(papers, since(started))}; database ${await sizeOf(ingested)}`);
    await ingested.close();

    progress('copying the SQLite catalogue into PostgreSQL');
    const copied = await openPostgres(await server.createDatabase('copied'), { watch: false });
    started = performance.now();
    await copyCatalogue(sqlite.db, copied.db);
    lines.push(`PostgreSQL, npm run copy (copyCatalogue, checked table by table): ${rate(papers, since(started))}; database ${await sizeOf(copied)}`);
    await copied.close();
    sqlite.close();

    process.stdout.write(`Import of ${papers.toLocaleString('en-US')} generated papers (${generated.files.length} daily files, test/bench/generate.ts, seed 1):\n`);
    for (const line of lines) process.stdout.write(`  ${line}\n`);
  } finally {
    await server.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:import: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
