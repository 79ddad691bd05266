// The catalogue the benchmark runs against, built in a temporary folder with
// the project's own importer: the bundled seeds, or a generated one of any size.
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { openCatalogue, type Database } from '../../src/catalogue/index.ts';
import { countPapers } from '../../src/catalogue/papers.ts';
import { importFiles, type ImportSummary } from '../../src/ingest/importer.ts';
import { loadSeedsIfNeeded } from '../../src/ingest/seeds.ts';
import { generateCatalogue } from './generate.ts';
import { PAPER_ID } from './scenarios.ts';

export interface BenchCatalogue {
  file: string;
  papers: number;
  /** What was built and how long it took, for the report. */
  facts: string[];
  /** A paper that exists, for the `paper(arxivId)` scenario. */
  paperId: string;
}

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);
const since = (started: number) => (performance.now() - started) / 1000;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** Everything written, in the main file (the WAL emptied), and its size. */
function finish(database: Database, file: string): { papers: number; size: string } {
  database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const papers = countPapers(database.db, {});
  database.close();
  return { papers, size: mib(statSync(file).size) };
}

function checkImport(summary: ImportSummary | null, what: string): void {
  if (!summary || summary.rejected > 0 || summary.itemsSkipped > 0) throw new Error(`importing ${what} failed: ${JSON.stringify(summary)}`);
}

export function seedCatalogue(folder: string): BenchCatalogue {
  const file = path.join(folder, 'catalogue.db');
  progress(`building the catalogue from the bundled seeds in ${file}`);
  const started = performance.now();
  const database = openCatalogue(file);
  checkImport(loadSeedsIfNeeded(database), 'the seeds');
  const { papers, size } = finish(database, file);
  return {
    file,
    papers,
    paperId: PAPER_ID,
    facts: [`Catalogue: ${papers} papers from the bundled seeds, built in ${since(started).toFixed(1)} s; database file ${size}.`],
  };
}

/** A catalogue file built before (read, not changed); its paper for the `paper(arxivId)` scenario is the middle one by arXiv id. */
export function existingCatalogue(file: string): BenchCatalogue {
  const database = openCatalogue(file);
  try {
    const papers = countPapers(database.db, {});
    const middle = database.sqlite.prepare('SELECT arxiv_id AS id FROM papers ORDER BY arxiv_id LIMIT 1 OFFSET ?').get(Math.floor(papers / 2)) as { id: string } | undefined;
    return {
      file,
      papers,
      paperId: middle?.id ?? PAPER_ID,
      facts: [`Catalogue: ${papers} papers in ${file} (built before; database file ${mib(statSync(file).size)}).`],
    };
  } finally {
    database.close();
  }
}

/** Generates `count` papers as daily-papers files, imports them, and removes the files. */
export function syntheticCatalogue(folder: string, count: number): BenchCatalogue {
  const file = path.join(folder, 'catalogue.db');
  const input = path.join(folder, 'daily-papers');
  progress(`generating ${count} papers in ${input}`);
  let started = performance.now();
  const generated = generateCatalogue(input, { papers: count });
  const generateSeconds = since(started);

  progress(`importing ${generated.files.length} files into ${file}`);
  started = performance.now();
  const database = openCatalogue(file);
  const summary = importFiles(database, generated.files, {}, (_outcome, done) => {
    if (done % 100 === 0) progress(`imported ${done} of ${generated.files.length} files (${since(started).toFixed(0)} s)`);
  });
  checkImport(summary, 'the generated files');
  const importSeconds = since(started);
  const { papers, size } = finish(database, file);
  rmSync(input, { recursive: true, force: true });

  const rate = (n: number, seconds: number) => `${Math.round(n / seconds).toLocaleString('en-US')} papers/s`;
  return {
    file,
    papers,
    paperId: generated.middleArxivId,
    facts: [
      `Catalogue: ${papers} generated papers (test/bench/generate.ts, seed 1), listed ${generated.firstDay} to ${generated.lastDay}; ` +
        `${summary.authorsAdded} authors, ${summary.organizationsAdded} organizations.`,
      `Generation: ${generated.files.length} daily-papers files, ${mib(generated.bytes)} of JSON, in ${generateSeconds.toFixed(1)} s. ` +
        `Import (importFiles, one transaction per file): ${importSeconds.toFixed(1)} s, ${rate(papers, importSeconds)}. ` +
        `Database file: ${size}.`,
    ],
  };
}
