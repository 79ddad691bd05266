// The pieces of a synthetic catalogue that are learnt from the bundled seeds:
// a seeded PRNG, word chains that write titles and abstracts, and the pools
// of names, organizations and counts the generator draws from.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SEEDS_FOLDER } from '../../src/ingest/seeds.ts';

/** sfc32: small, fast, and the same sequence for the same seed on every machine. */
export function createRandom(seed: number) {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  };
  for (let i = 0; i < 15; i++) next();
  return {
    /** Uniform in [0, 1). */
    next,
    /** A whole number in [min, max]. */
    int: (min: number, max: number): number => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!,
    /** Standard normal (Box–Muller). */
    normal: (): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
  };
}

export type Random = ReturnType<typeof createRandom>;

/**
 * A first-order word chain: each next word is the word that followed the
 * current one at a random place in the training texts. Words therefore come
 * out about as often as in the seeds, and so do two-word phrases.
 *
 * A walk can be anchored to one training text: the next word is then taken,
 * with probability `locality`, from a place in that text where the current
 * word occurs. Without it every walk mixes all topics, and a topical word
 * ("diffusion") ends up in two or three times as many texts as in the seeds.
 */
export class WordChain {
  private readonly words: string[] = [];
  private readonly ids = new Map<string, number>();
  /** Word ids of all texts, each text followed by -1. */
  private readonly corpus: Int32Array;
  /** Positions in the corpus of each word, ascending, grouped by word (`start[id]` to `start[id + 1]`). */
  private readonly positions: Int32Array;
  private readonly start: Int32Array;
  /** Where each text begins in the corpus; texts end at the next -1. */
  private readonly textStarts: number[] = [];
  /** Word counts of the training texts, to draw lengths from. */
  readonly lengths: number[] = [];

  constructor(texts: string[]) {
    const sequence: number[] = [];
    for (const text of texts) {
      const tokens = text.split(/\s+/u).filter(Boolean);
      if (tokens.length === 0) continue;
      this.lengths.push(tokens.length);
      this.textStarts.push(sequence.length);
      for (const token of tokens) {
        let id = this.ids.get(token);
        if (id === undefined) {
          id = this.words.push(token) - 1;
          this.ids.set(token, id);
        }
        sequence.push(id);
      }
      sequence.push(-1);
    }
    this.corpus = Int32Array.from(sequence);
    const counts = new Int32Array(this.words.length + 1);
    for (const id of this.corpus) if (id >= 0) counts[id + 1]!++;
    for (let i = 1; i < counts.length; i++) counts[i]! += counts[i - 1]!;
    this.start = counts.slice();
    this.positions = new Int32Array(this.corpus.length);
    const fill = counts.slice();
    this.corpus.forEach((id, position) => {
      if (id >= 0) this.positions[fill[id]!++] = position;
    });
  }

  /** How many texts the chain was trained on (anchors are 0 to texts − 1). */
  get texts(): number {
    return this.textStarts.length;
  }

  /** The first index in positions[from, to) whose position is ≥ `position`. */
  private lowerBound(from: number, to: number, position: number): number {
    while (from < to) {
      const mid = (from + to) >> 1;
      if (this.positions[mid]! < position) from = mid + 1;
      else to = mid;
    }
    return from;
  }

  /** The corpus position of a random occurrence of word `id`, inside the anchor text when it has one and locality says so. */
  private occurrence(random: Random, id: number, anchor: number | null, locality: number): number {
    let from = this.start[id]!;
    let to = this.start[id + 1]!;
    if (anchor !== null && random.next() < locality) {
      const begin = this.textStarts[anchor]!;
      const end = this.textStarts[anchor + 1] ?? this.corpus.length;
      const low = this.lowerBound(from, to, begin);
      const high = this.lowerBound(low, to, end);
      if (high > low) [from, to] = [low, high];
    }
    return this.positions[from + Math.floor(random.next() * (to - from))]!;
  }

  private opening(random: Random, anchor: number | null): number {
    return this.corpus[this.textStarts[anchor ?? Math.floor(random.next() * this.textStarts.length)]!]!;
  }

  /**
   * About `length` words, from the anchor text's opening: continued from a
   * new opening where the walk reaches the end of a text, and stopped at the
   * end of a sentence once long enough (or 40 words later at the latest).
   */
  write(random: Random, length: number, anchor: number | null = null, locality = 0): string {
    const out: string[] = [];
    let id = this.opening(random, anchor);
    for (;;) {
      const word = this.words[id]!;
      out.push(word);
      if (out.length >= length && (/[.!?]$/u.test(word) || out.length >= length + 40)) break;
      const next = this.corpus[this.occurrence(random, id, anchor, locality) + 1]!;
      id = next >= 0 ? next : this.opening(random, null);
    }
    return out.join(' ');
  }

  /** A whole text: a walk from an opening to an end of a training text, `maxWords` at most. */
  writeWhole(random: Random, maxWords: number, anchor: number | null = null, locality = 0): string {
    const out: string[] = [];
    let id = this.opening(random, anchor);
    while (out.length < maxWords) {
      out.push(this.words[id]!);
      id = this.corpus[this.occurrence(random, id, anchor, locality) + 1]!;
      if (id < 0) break;
    }
    return out.join(' ');
  }
}

export interface SeedOrganization {
  name: string;
  fullname: string;
  avatar?: string;
  /** Papers in the seeds: the weight of the organization in the synthetic catalogue. */
  papers: number;
}

/** What the generator learns from the bundled daily-papers files. */
export interface SeedSample {
  abstracts: WordChain;
  titles: WordChain;
  /** Not anchored: the anchors of `abstracts` and `titles` are the same seed papers. */
  summaries: WordChain;
  /** The ai_keywords of each seed paper, by anchor. */
  keywords: string[][];
  givenNames: string[];
  familyNames: string[];
  organizations: SeedOrganization[];
  /** Share of papers with an organization. */
  withOrganization: number;
  /** Authors per paper, one entry per seed paper. */
  authorCounts: number[];
}

interface DailyItem {
  paper: { title: string; summary: string; ai_summary?: string; ai_keywords?: string[]; authors: { name: string }[] };
  organization?: { name: string; fullname?: string; avatar?: string };
}

export function readSeeds(): SeedSample {
  const folder = path.join(SEEDS_FOLDER, 'daily-papers');
  const items: DailyItem[] = [];
  for (const name of readdirSync(folder).sort()) {
    if (!name.endsWith('.json.gz')) continue;
    const json = JSON.parse(gunzipSync(readFileSync(path.join(folder, name))).toString('utf8')) as DailyItem[] | { data: DailyItem[] };
    items.push(...(Array.isArray(json) ? json : json.data));
  }
  const organizations = new Map<string, SeedOrganization>();
  const givenNames = new Set<string>();
  const familyNames = new Set<string>();
  for (const { paper, organization } of items) {
    if (organization) {
      const known = organizations.get(organization.name);
      if (known) known.papers++;
      else {
        const { name, fullname, avatar } = organization;
        organizations.set(name, { name, fullname: fullname ?? name, avatar, papers: 1 });
      }
    }
    for (const { name } of paper.authors) {
      // Only plain "Given Family" names recombine into plausible new ones.
      const parts = name.trim().split(/\s+/u);
      if (parts.length !== 2 || !parts.every((p) => /^\p{Lu}[\p{L}'-]+$/u.test(p))) continue;
      givenNames.add(parts[0]!);
      familyNames.add(parts[1]!);
    }
  }
  // Anchors index both chains: only papers with a title and an abstract.
  const papers = items.map((i) => i.paper).filter((p) => /\S/u.test(p.title) && /\S/u.test(p.summary));
  return {
    abstracts: new WordChain(papers.map((p) => p.summary)),
    titles: new WordChain(papers.map((p) => p.title)),
    summaries: new WordChain(papers.flatMap((p) => (p.ai_summary ? [p.ai_summary] : []))),
    keywords: papers.map((p) => p.ai_keywords ?? []),
    givenNames: [...givenNames],
    familyNames: [...familyNames],
    organizations: [...organizations.values()],
    withOrganization: items.filter((i) => i.organization).length / items.length,
    authorCounts: items.map((i) => i.paper.authors.length).filter((n) => n > 0),
  };
}
