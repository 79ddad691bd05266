// An independent reading of the bundled seeds, straight from the files, used
// to compute what the API should answer. It implements the documented merge
// rules in the plainest way, without the project's importer.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface OraclePaper {
  arxivId: string;
  title: string;
  abstract: string;
  publishedAt: string;
  listedOn: string;
  upvotes: number;
  githubStars: number | null;
  githubUrl: string | null;
  org: string | null;
  authors: string[];
}

const SEEDS = path.join(import.meta.dirname, '..', 'seeds');
const gz = (file: string): any => JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));

const maxOrNull = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

let cached: Map<string, OraclePaper> | null = null;

export function oraclePapers(): Map<string, OraclePaper> {
  if (cached) return cached;
  const papers = new Map<string, OraclePaper>();
  for (const p of gz(path.join(SEEDS, 'seed-papers.json.gz'))) {
    papers.set(p.arxivId, {
      arxivId: p.arxivId,
      title: p.title,
      abstract: p.abstract,
      publishedAt: p.publishedAt,
      listedOn: p.publishedAt,
      upvotes: p.upvotes,
      githubStars: null,
      githubUrl: p.githubUrl,
      org: p.organization?.slug ?? null,
      authors: p.authors,
    });
  }
  const days = readdirSync(path.join(SEEDS, 'daily-papers')).sort();
  for (const file of days) {
    const day = file.slice(0, 10);
    for (const item of gz(path.join(SEEDS, 'daily-papers', file))) {
      const p = item.paper;
      const old = papers.get(p.id);
      papers.set(p.id, {
        arxivId: p.id,
        title: p.title.replace(/\s+/gu, ' ').trim(),
        abstract: p.summary.replace(/\s+/gu, ' ').trim(),
        publishedAt: p.publishedAt.slice(0, 10),
        listedOn: old && old.listedOn < day ? old.listedOn : day,
        upvotes: Math.max(old?.upvotes ?? 0, p.upvotes ?? 0),
        githubStars: maxOrNull(old?.githubStars ?? null, p.githubStars ?? null),
        githubUrl: p.githubRepo ?? old?.githubUrl ?? null,
        org: (item.organization ?? p.organization)?.name.toLowerCase() ?? old?.org ?? null,
        authors: p.authors.filter((a: any) => !a.hidden).map((a: any) => a.name),
      });
    }
  }
  cached = papers;
  return papers;
}

export type Window = 'DAY' | 'WEEK' | 'MONTH' | 'ALL';
export const WINDOW_HOURS: Record<Window, number> = { DAY: 24, WEEK: 168, MONTH: 720, ALL: Infinity };

/** The trending formula as the README states it: (upvotes + 1) halved every half window of age, 0 outside the window. */
export function expectedScore(p: OraclePaper, asOf: number, window: Window = 'WEEK'): number {
  const age = (asOf - Date.parse(`${p.listedOn}T00:00:00Z`)) / 3_600_000;
  const hours = WINDOW_HOURS[window];
  if (age < 0 || age > hours) return 0;
  return hours === Infinity ? p.upvotes + 1 : (p.upvotes + 1) * Math.pow(2, -age / (hours / 2));
}

export const byArxivId = (a: OraclePaper, b: OraclePaper): number => (a.arxivId < b.arxivId ? -1 : a.arxivId > b.arxivId ? 1 : 0);
