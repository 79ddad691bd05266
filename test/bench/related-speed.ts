// Speed of related papers and recommendations, alone (one request at a time),
// through the whole server (yoga.fetch), on a copy of a large catalogue; and
// import time with the related-papers index kept current, and without.
//
//   npx tsx test/bench/related-speed.ts <catalogue.db>   (a copy is made; the original is not written)
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { openCatalogue } from '../../src/catalogue/index.ts';
import { rebuildTermIndex } from '../../src/catalogue/terms.ts';
import { importFiles } from '../../src/ingest/importer.ts';
import { createApp } from '../../src/yoga.ts';
import { generateCatalogue } from './generate.ts';

const source = process.argv[2];
if (!source) throw new Error('usage: npx tsx test/bench/related-speed.ts <catalogue.db>');
const folder = mkdtempSync(path.join(tmpdir(), 'related-speed-'));
const file = path.join(folder, 'catalogue.db');
copyFileSync(source, file);
const database = openCatalogue(file);
const papers = (database.sqlite.prepare('SELECT count(*) FROM papers').pluck().get() as number);

// A catalogue indexed already is measured as it is; otherwise the index is built first (as npm run reindex does).
let started = performance.now();
const indexed = database.sqlite.prepare("SELECT df FROM term_stats WHERE term = ''").pluck().get() === papers;
const rebuilt = indexed ? { terms: database.sqlite.prepare('SELECT count(*) FROM term_stats').pluck().get() as number } : rebuildTermIndex(database.db);
const reindexSeconds = indexed ? NaN : (performance.now() - started) / 1000;
const postings = database.sqlite.prepare('SELECT count(*) FROM paper_terms').pluck().get() as number;

// Papers spread over the catalogue, the same on every run.
const ids = database.sqlite.prepare('SELECT arxiv_id FROM papers WHERE id % ? = 0 ORDER BY id LIMIT 60').pluck().all(Math.floor(papers / 60)) as string[];
const app = createApp(database);
async function ask(query: string, variables: Record<string, unknown>): Promise<number> {
  const t = performance.now();
  const response = await app.fetch('http://bench/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return performance.now() - t;
}
const stats = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, p90 ${sorted[Math.floor(sorted.length * 0.9)]!.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms (${ms.length} requests)`;
};

const RELATED = 'query ($a: String!) { paper(arxivId: $a) { related(first: 10) { edges { score because { terms authors organization } node { arxivId title } } } } }';
// Each query differs (another paper), so the response cache never answers; the first few warm the statement cache.
for (const a of ids.slice(0, 5)) await ask(RELATED, { a });
const related: number[] = [];
for (const a of ids.slice(5)) related.push(await ask(RELATED, { a }));

const RECOMMENDED = `query ($liked: [ID!]!, $window: TrendingWindow) { recommendedPapers(liked: $liked, window: $window, first: 10) {
  edges { score because { terms } node { arxivId title } } } }`;
const recommended: Record<string, number[]> = { MONTH: [], ALL: [] };
for (const window of Object.keys(recommended)) {
  for (let i = 0; i + 5 <= ids.length; i += 5) {
    recommended[window]!.push(await ask(RECOMMENDED, { window, liked: ids.slice(i, i + 5).map((a) => encodeGlobalID('Paper', a)) }));
  }
}
database.close();

// Import: the same generated files into an empty catalogue, with the index and without.
const IMPORTED = 10_000;
const input = path.join(folder, 'daily-papers');
const generated = generateCatalogue(input, { papers: IMPORTED, seed: 2 });
const importTime: Record<string, number> = {};
for (const relatedIndex of [false, true]) {
  const target = openCatalogue(path.join(folder, `import-${relatedIndex}.db`));
  started = performance.now();
  importFiles(target, generated.files, { relatedIndex });
  importTime[relatedIndex ? 'on' : 'off'] = (performance.now() - started) / 1000;
  target.close();
}
rmSync(folder, { recursive: true, force: true });

process.stdout.write(
  [
    `Catalogue: ${papers} papers. Related-papers index ${indexed ? 'as found' : `rebuilt in ${reindexSeconds.toFixed(1)} s`}: ${rebuilt.terms} terms, ${postings} postings (${(postings / papers).toFixed(1)} a paper).`,
    `related(first: 10), alone: ${stats(related)}`,
    `recommendedPapers(5 liked, window MONTH, first: 10), alone: ${stats(recommended.MONTH!)}`,
    `recommendedPapers(5 liked, window ALL, first: 10), alone: ${stats(recommended.ALL!)}`,
    `Import of ${IMPORTED} generated papers (${generated.files.length} files) into an empty catalogue: index off ${importTime.off!.toFixed(1)} s, on ${importTime.on!.toFixed(1)} s.`,
  ].join('\n') + '\n',
);
