// Rebuilds the bundled snapshot in seeds/ from ../shared/data:
//   npm run seeds:build [-- path/to/shared/data]
// Each daily-papers response is kept as its own file, in the API's own shape
// but trimmed to the fields the catalogue stores, and gzip-compressed; the
// seed page's papers are kept whole. Both load through the normal importer.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.resolve(process.argv[2] ?? path.join(here, '..', '..', 'shared', 'data'));
const dailyOut = path.join(here, 'daily-papers');

type Json = Record<string, unknown>;

const pick = (object: Json, keys: string[]): Json =>
  Object.fromEntries(keys.filter((k) => object[k] !== undefined && object[k] !== null).map((k) => [k, object[k]]));

function trimItem(item: Json): Json {
  const paper = item.paper as Json;
  const authors = (paper.authors as Json[]).map((a) => {
    const user = a.user as Json | undefined;
    return { ...pick(a, ['name', 'hidden']), ...(user?.user ? { user: { user: user.user } } : {}) };
  });
  const organization = (item.organization ?? paper.organization) as Json | undefined;
  return {
    paper: {
      ...pick(paper, ['id', 'title', 'summary', 'publishedAt', 'submittedOnDailyAt', 'upvotes', 'githubRepo', 'githubStars']),
      ...pick(paper, ['projectPage', 'ai_summary', 'ai_keywords']),
      authors,
    },
    ...(organization ? { organization: pick(organization, ['name', 'fullname', 'avatar']) } : {}),
    ...pick(item, ['thumbnail', 'numComments']),
  };
}

const write = (file: string, data: unknown): void => {
  writeFileSync(file, gzipSync(JSON.stringify(data), { level: 9 }));
};

rmSync(dailyOut, { recursive: true, force: true });
mkdirSync(dailyOut, { recursive: true });
const days = readdirSync(path.join(source, 'hf-daily-papers')).filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/u.test(f));
let items = 0;
for (const day of days) {
  const json = JSON.parse(readFileSync(path.join(source, 'hf-daily-papers', day), 'utf8')) as Json[] | { data: Json[] };
  const list = Array.isArray(json) ? json : json.data;
  items += list.length;
  write(path.join(dailyOut, `${day}.gz`), list.map(trimItem));
}
const seedPapers = JSON.parse(readFileSync(path.join(source, 'seed-papers.json'), 'utf8')) as Json[];
write(path.join(here, 'seed-papers.json.gz'), seedPapers);
copyFileSync(path.join(source, 'hf-daily-papers', 'LICENSE.upstream-Apache-2.0.txt'), path.join(here, 'LICENSE.upstream-Apache-2.0.txt'));
process.stdout.write(`seeds: ${days.length} daily files (${items} items) and ${seedPapers.length} seed papers written to ${here}\n`);
