// How good Paper.related is, judged by a signal it is not given: papers that
// share two or more authors are taken as true neighbours, and related papers
// are computed with the shared-author signal off (content, and the same
// organization's small bonus). Reported beside two baselines: the same
// organization's newest papers, and papers drawn at random.
//
//   npx tsx test/bench/related-eval.ts [catalogue.db]   (default: the bundled seeds, built in a temp folder)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openCatalogue } from '../../src/catalogue/index.ts';
import { relatedPapers } from '../../src/catalogue/related.ts';
import { loadSeedsIfNeeded } from '../../src/ingest/seeds.ts';

const K = 10;
const file = process.argv[2] ?? path.join(mkdtempSync(path.join(tmpdir(), 'related-eval-')), 'catalogue.db');
const database = openCatalogue(file);
if (!process.argv[2]) loadSeedsIfNeeded(database);
const { sqlite, db } = database;

const pairs = sqlite
  .prepare(
    `SELECT x.paper_id AS a, y.paper_id AS b FROM paper_authors x JOIN paper_authors y ON y.author_id = x.author_id AND y.paper_id <> x.paper_id
     GROUP BY x.paper_id, y.paper_id HAVING count(*) >= 2`,
  )
  .all() as { a: number; b: number }[];
const truth = new Map<number, Set<number>>();
for (const { a, b } of pairs) (truth.get(a) ?? truth.set(a, new Set()).get(a)!).add(b);
const judged = [...truth.keys()].sort((x, y) => x - y);
const all = sqlite.prepare('SELECT id, organization_id AS org, published_at AS published, arxiv_id AS arxivId FROM papers').all() as {
  id: number;
  org: number | null;
  published: string;
  arxivId: string;
}[];

/** The K newest papers of each organization, newest first (ties by arXiv id), for the baseline. */
const byOrg = new Map<number, typeof all>();
for (const p of all) if (p.org !== null) (byOrg.get(p.org) ?? byOrg.set(p.org, []).get(p.org)!).push(p);
for (const list of byOrg.values()) list.sort((x, y) => (x.published < y.published ? 1 : x.published > y.published ? -1 : x.arxivId < y.arxivId ? -1 : 1));
const orgOf = new Map(all.map((p) => [p.id, p.org]));

// A seeded generator (mulberry32): the random baseline is the same on every run.
let seed = 1;
const random = (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const started = performance.now();
const suggested = new Map<number, number[]>();
for (let i = 0; i < judged.length; i += 100) {
  const ids = judged.slice(i, i + 100);
  const pages = relatedPapers(db, ids, { size: K, after: null }, 'core', { authors: false });
  for (const id of ids) suggested.set(id, pages.get(id)!.rows.map((r) => r.row.paper.id));
}
const msPerPaper = (performance.now() - started) / judged.length;

const methods: Record<string, (id: number) => number[]> = {
  'related (authors off)': (id) => suggested.get(id)!,
  "organization's newest": (id) => {
    const org = orgOf.get(id);
    return org == null ? [] : byOrg.get(org)!.filter((p) => p.id !== id).slice(0, K).map((p) => p.id);
  },
  random: (id) => {
    const picked = new Set<number>();
    while (picked.size < K) {
      const p = all[Math.floor(random() * all.length)]!.id;
      if (p !== id) picked.add(p);
    }
    return [...picked];
  },
};

const rows = Object.entries(methods).map(([name, top]) => {
  let found = 0;
  let hit = 0;
  let recall = 0;
  for (const id of judged) {
    const neighbours = truth.get(id)!;
    const n = top(id).filter((p) => neighbours.has(p)).length;
    found += n;
    if (n > 0) hit++;
    recall += n / Math.min(K, neighbours.size);
  }
  return {
    method: name,
    'true neighbours in top 10 (mean)': +(found / judged.length).toFixed(3),
    'papers with one at least': `${((100 * hit) / judged.length).toFixed(1)}%`,
    'recall@10': +(recall / judged.length).toFixed(3),
  };
});

process.stdout.write(
  `${all.length} papers; ${judged.length} share two or more authors with another (${pairs.length / 2} pairs; ` +
    `${(pairs.length / judged.length).toFixed(2)} true neighbours each on average). related: ${msPerPaper.toFixed(2)} ms a paper, in batches of 100.\n`,
);
console.table(rows);
database.close();
