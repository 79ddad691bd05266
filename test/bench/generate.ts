// A synthetic catalogue for the scale benchmark, written as daily-papers API
// responses (one YYYY-MM-DD.json per weekday, 50–200 papers each) that the
// real importer reads. The same options always give the same bytes.
//
// - Titles and abstracts: word-chain walks over the seed texts
//   (synthetic-text.ts), each anchored to one seed paper, so that word and
//   phrase frequencies are those of real abstracts.
// - Authors: 30,000 names recombined from the seeds' given and family names,
//   drawn with a long tail (the busiest have a few thousand papers).
// - Organizations: the seeds' 700, as often as in the seeds; as many papers
//   without one as in the seeds.
// - Upvotes, GitHub stars, comments: log-normal (upvotes: median 5, 1 % over
//   about 100, like the seeds); a GitHub repository for half of the papers.
//
//   tsx test/bench/generate.ts [--papers 100000] [--seed 1] <empty folder>
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRandom, readSeeds, type Random } from './synthetic-text.ts';

export interface GenerateOptions {
  papers: number;
  seed?: number;
  /** The last listing day; the days before it are filled going back. */
  lastDay?: string;
}

export interface Generated {
  files: string[];
  papers: number;
  firstDay: string;
  lastDay: string;
  bytes: number;
  /** The arXiv id of the paper in the middle of the catalogue. */
  middleArxivId: string;
}

export const DEFAULT_PAPERS = 100_000;
const AUTHOR_POOL = 30_000;
/** Author i is drawn with weight 1 / (i + AUTHOR_SKEW): the first few have thousands of papers, the last a handful. */
const AUTHOR_SKEW = 50;

/**
 * How often a title or abstract follows its seed paper rather than all the
 * seeds (see WordChain): chosen so that the share of papers matching a topical
 * word or phrase is close to the seeds' own. In 100,000 papers (seeds in
 * brackets): model 89 % (89 %), diffusion 18 % (14 %), "world model" 6.8 %
 * (5.1 %), Kolmogorov 0.04 % (0.09 %). Without the anchor, diffusion is in 32 %.
 */
const LOCALITY = 0.95;

const DAY_MS = 86_400_000;
const addDays = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const isWeekday = (day: string): boolean => ![0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay());

/** Draws an index with probability proportional to its weight. */
function weighted(weights: number[]): (random: Random) => number {
  const cumulative = new Float64Array(weights.length);
  let total = 0;
  weights.forEach((w, i) => (cumulative[i] = total += w));
  return (random) => {
    const target = random.next() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid]! > target) high = mid;
      else low = mid + 1;
    }
    return low;
  };
}

/** A long tail: e^(μ + σN) − 1, rounded down. */
const logNormal = (random: Random, median: number, sigma: number): number =>
  Math.max(0, Math.floor(Math.exp(Math.log(median + 1) + sigma * random.normal())) - 1);

const time = (random: Random): string =>
  [random.int(0, 23), random.int(0, 59), random.int(0, 59)].map((n) => String(n).padStart(2, '0')).join(':');

const slugOf = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/gu, '-')
    .replace(/^-|-$/gu, '')
    .slice(0, 40) || 'code';

/** Listing days, oldest first, and how many papers each gets. */
function schedule(random: Random, papers: number, lastDay: string): { day: string; count: number }[] {
  const days: { day: string; count: number }[] = [];
  let left = papers;
  for (let day = lastDay; left > 0; day = addDays(day, -1)) {
    if (!isWeekday(day)) continue;
    const count = Math.min(left, random.int(50, 200));
    days.push({ day, count });
    left -= count;
  }
  return days.reverse();
}

export function generateCatalogue(folder: string, options: GenerateOptions): Generated {
  const random = createRandom(options.seed ?? 1);
  const seeds = readSeeds();

  const authorNames = new Set<string>();
  while (authorNames.size < AUTHOR_POOL) authorNames.add(`${random.pick(seeds.givenNames)} ${random.pick(seeds.familyNames)}`);
  const authors = [...authorNames].map((name, i) => ({
    name,
    // About one author in four has a linked account, always the same one.
    user: i % 4 === 0 ? name.toLowerCase().replace(/[^a-z0-9]+/gu, '') : null,
  }));
  const pickAuthor = weighted(authors.map((_, i) => 1 / (i + AUTHOR_SKEW)));
  const { organizations } = seeds;
  const pickOrganization = weighted(organizations.map((o) => o.papers));

  mkdirSync(folder, { recursive: true });
  if (readdirSync(folder).length > 0) throw new Error(`${folder} is not empty`);
  const days = schedule(random, options.papers, options.lastDay ?? '2026-06-30');
  const nextNumber = new Map<string, number>();
  const files: string[] = [];
  let bytes = 0;
  let written = 0;
  let middleArxivId = '';

  for (const { day, count } of days) {
    const items = [];
    for (let n = 0; n < count; n++) {
      const published = addDays(day, -random.int(0, 3));
      const month = `${published.slice(2, 4)}${published.slice(5, 7)}`;
      const number = (nextNumber.get(month) ?? random.int(0, 500)) + random.int(1, 12);
      nextNumber.set(month, number);
      const arxivId = `${month}.${String(number).padStart(5, '0')}`;
      if (written++ === Math.floor(options.papers / 2)) middleArxivId = arxivId;

      // One seed paper gives the topic of both the title and the abstract.
      const anchor = random.int(0, seeds.abstracts.texts - 1);
      let title = seeds.titles.writeWhole(random, 25, anchor, LOCALITY);
      // A seed title of one or two rare words can only be walked one way.
      while (title.split(' ').length < 3) title = seeds.titles.writeWhole(random, 25);
      const authorCount = random.pick(seeds.authorCounts);
      const chosen = new Set<number>();
      while (chosen.size < Math.min(authorCount, AUTHOR_POOL)) chosen.add(pickAuthor(random));
      const paperAuthors = [...chosen].map((i) => {
        const { name, user } = authors[i]!;
        return { name, hidden: false, ...(user ? { user: { user } } : {}) };
      });
      const hasCode = random.next() < 0.5;
      const owner = paperAuthors[0]?.user?.user ?? 'lab';
      const organization = random.next() < seeds.withOrganization ? organizations[pickOrganization(random)]! : null;
      items.push({
        paper: {
          id: arxivId,
          title,
          summary: seeds.abstracts.write(random, seeds.abstracts.lengths[anchor]!, anchor, LOCALITY),
          publishedAt: `${published}T${time(random)}.000Z`,
          submittedOnDailyAt: `${day}T${time(random)}.000Z`,
          upvotes: logNormal(random, 5, 1.2),
          ...(hasCode ? { githubRepo: `https://github.com/${owner}/${slugOf(title)}`, githubStars: logNormal(random, 20, 1.8) } : {}),
          ...(random.next() < 0.3 ? { projectPage: `https://${owner}.github.io/${slugOf(title)}/` } : {}),
          ai_summary: seeds.summaries.write(random, random.int(20, 40)),
          ai_keywords: seeds.keywords[anchor]!,
          authors: paperAuthors,
        },
        ...(organization
          ? { organization: { name: organization.name, fullname: organization.fullname, ...(organization.avatar ? { avatar: organization.avatar } : {}) } }
          : {}),
        thumbnail: `https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/${arxivId}.png`,
        numComments: logNormal(random, 1, 1),
      });
    }
    const file = path.join(folder, `${day}.json`);
    const text = JSON.stringify(items);
    writeFileSync(file, text);
    bytes += Buffer.byteLength(text);
    files.push(file);
  }
  return { files, papers: written, firstDay: days[0]!.day, lastDay: days.at(-1)!.day, bytes, middleArxivId };
}

function cli(args: string[]): void {
  let papers = DEFAULT_PAPERS;
  let seed = 1;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--papers' || arg === '--seed') {
      const value = Number(args[++i]);
      if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${arg} needs a whole number ≥ 1`);
      if (arg === '--papers') papers = value;
      else seed = value;
    } else rest.push(arg);
  }
  if (rest.length !== 1) {
    process.stderr.write('usage: tsx test/bench/generate.ts [--papers 100000] [--seed 1] <empty folder>\n');
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const result = generateCatalogue(rest[0]!, { papers, seed });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const size = `${(result.bytes / 2 ** 20).toFixed(0)} MiB`;
  process.stdout.write(
    `${result.papers} papers in ${result.files.length} files (${result.firstDay} to ${result.lastDay}, ${size}) written to ${rest[0]} in ${seconds} s\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    cli(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`generate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
