// What the importer makes of the records: malformed files, the shapes the
// daily-papers API has served, the merge rules, author identity, organizations.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalogue, type Database } from '../src/catalogue/index.ts';
import { importFiles, type FileOutcome } from '../src/ingest/importer.ts';
import { describeProblem } from '../src/ingest/record.ts';
import {
  clone,
  counts,
  dailyItems,
  dailySeedFiles,
  nameKey,
  paperAuthors,
  paperRow,
  readJson,
  seedPapersFile,
  seededCopy,
  smallestDailyFile,
  snapshot,
  tempDir,
  writeJson,
  type RawItem,
  type RawSeedPaper,
} from './ingest-helpers.ts';

const open: Database[] = [];
function track(database: Database): Database {
  open.push(database);
  return database;
}
const memory = () => track(openCatalogue(':memory:'));
const seeded = () => track(seededCopy());
afterAll(() => {
  for (const database of open) database.close();
});

function importOne(database: Database, file: string, options = {}): FileOutcome {
  const outcomes: FileOutcome[] = [];
  importFiles(database, [file], options, (o) => outcomes.push(o));
  return outcomes[0]!;
}

/** Real items of a small seed day, renamed so that they are new to a seeded catalogue. */
function freshItems(): RawItem[] {
  return dailyItems(smallestDailyFile()).map((item, i) => {
    const copy = clone(item);
    copy.paper.id = `2901.${String(i + 1).padStart(5, '0')}`;
    return copy;
  });
}

describe('a malformed daily-papers file', () => {
  const cases: { name: string; index: number; field: string; message: RegExp; spoil: (items: unknown[]) => void }[] = [
    {
      name: 'item 2 is a string',
      index: 2,
      field: '',
      message: /expected an object, got a string/,
      spoil: (items) => void (items[2] = 'https://huggingface.co/papers/2901.00003'),
    },
    {
      name: 'item 1 lacks paper.title',
      index: 1,
      field: 'paper.title',
      message: /is missing/,
      spoil: (items) => {
        const item = items[1] as RawItem;
        delete item.paper.title;
        delete item.title;
      },
    },
    {
      name: 'paper.upvotes is a string',
      index: 0,
      field: 'paper.upvotes',
      message: /expected a whole number ≥ 0, got a string \("12"\)/,
      spoil: (items) => void ((items[0] as RawItem).paper.upvotes = '12'),
    },
  ];

  it.each(cases)('is rejected when $name, naming the file, the item and the field, and nothing is written', ({ index, field, message, spoil }) => {
    const items: unknown[] = freshItems();
    expect(items.length).toBeGreaterThanOrEqual(3);
    spoil(items);
    const file = writeJson(tempDir('malformed'), '2029-01-01.json', items);
    const database = seeded();
    const before = snapshot(database);

    const outcome = importOne(database, file);

    expect(outcome).toEqual({ file, status: 'rejected', problems: [{ file, index, field, message: expect.stringMatching(message) }] });
    const text = describeProblem((outcome as Extract<FileOutcome, { status: 'rejected' }>).problems[0]!);
    expect(text).toContain(file);
    expect(text).toContain(`item ${index}`);
    if (field) expect(text).toContain(`field "${field}"`);
    expect(snapshot(database)).toEqual(before);
  });

  it('with skipInvalid, imports the valid items and lists the skipped ones', () => {
    const items: unknown[] = freshItems();
    for (const c of cases) c.spoil(items);
    const bad = new Set(cases.map((c) => c.index));
    const file = writeJson(tempDir('skip'), '2029-01-02.json', items);
    const database = memory();

    const outcome = importOne(database, file, { skipInvalid: true });

    const good = items.filter((_, i) => !bad.has(i)) as RawItem[];
    expect(outcome).toMatchObject({
      status: 'imported',
      counts: { items: items.length, itemsSkipped: bad.size, papersAdded: good.length },
      skipped: cases.map((c) => ({ file, index: c.index, field: c.field })).sort((a, b) => a.index - b.index),
    });
    expect(database.sqlite.prepare('SELECT arxiv_id FROM papers ORDER BY arxiv_id').pluck().all()).toEqual(
      good.map((item) => item.paper.id).sort(),
    );
    expect(database.sqlite.prepare('SELECT file, items, items_skipped FROM imports').all()).toEqual([
      { file, items: items.length, items_skipped: bad.size },
    ]);
  });

  it('is rejected as a whole when it is not JSON or not a list, even with skipInvalid', () => {
    const dir = tempDir('unreadable');
    const truncated = path.join(dir, 'truncated.json');
    writeFileSync(truncated, '[{"paper": ');
    const object = writeJson(dir, 'object.json', { status: 'ok', papers: [] });
    const database = seeded();
    const before = snapshot(database);
    for (const file of [truncated, object]) {
      const outcome = importOne(database, file, { skipInvalid: true });
      expect(outcome).toMatchObject({ status: 'rejected', problems: [{ file, index: null, field: '' }] });
      expect(describeProblem((outcome as Extract<FileOutcome, { status: 'rejected' }>).problems[0]!)).toMatch(
        /^.*(truncated|object)\.json: (not readable as JSON|expected a list of papers)/,
      );
    }
    expect(snapshot(database)).toEqual(before);
  });
});

describe('shapes of the daily-papers API', () => {
  it('accepts the wrapped { status, date, count, data } shape, taking the listing day from its date', () => {
    const items = freshItems();
    const file = writeJson(tempDir('wrapped'), 'wrapped.json', { status: 'ok', date: '2029-02-05', count: items.length, data: items });
    const database = memory();
    expect(importOne(database, file)).toMatchObject({ status: 'imported', counts: { items: items.length, papersAdded: items.length } });
    for (const item of items) expect(paperRow(database, item.paper.id)).toMatchObject({ listed_on: '2029-02-05', listed: 1 });
  });

  it('accepts items with mediaUrl instead of mediaUrls, and stores them like any other', () => {
    const items = freshItems().map((item) => {
      delete item.paper.mediaUrls;
      item.paper.mediaUrl = `https://cdn.example.org/${item.paper.id}.mp4`;
      return item;
    });
    const file = writeJson(tempDir('media'), '2029-02-06.json', items);
    const database = memory();
    expect(importOne(database, file)).toMatchObject({ status: 'imported', counts: { items: items.length, papersAdded: items.length } });
    for (const item of items) {
      expect(paperRow(database, item.paper.id)).toMatchObject({ title: item.paper.title, listed_on: '2029-02-06' });
    }
  });
});

describe('a paper listed on two days', () => {
  const arxivId = '2604.07429';
  const listings = dailySeedFiles()
    .map((file) => ({ file, item: dailyItems(file).find((item) => item.paper.id === arxivId) }))
    .filter((l) => l.item !== undefined)
    .map((l) => ({ file: l.file, day: path.basename(l.file, '.json.gz'), upvotes: l.item!.paper.upvotes as number }));

  it('is in the seeds on 2026-04-10 with 2 upvotes and on 2026-04-16 with 42', () => {
    expect(listings.map(({ day, upvotes }) => ({ day, upvotes }))).toEqual([
      { day: '2026-04-10', upvotes: 2 },
      { day: '2026-04-16', upvotes: 42 },
    ]);
  });

  it.each([
    { order: 'in date order', reverse: false },
    { order: 'the later day first', reverse: true },
  ])('ends with the highest upvotes and the earliest listing when imported $order', ({ reverse }) => {
    const database = memory();
    const files = listings.map((l) => l.file);
    const summary = importFiles(database, reverse ? files.reverse() : files);
    expect(summary).toMatchObject({ imported: 2, papersUpdated: 1 });
    expect(paperRow(database, arxivId)).toMatchObject({
      upvotes: Math.max(...listings.map((l) => l.upvotes)),
      listed_on: listings.map((l) => l.day).sort()[0],
      listed: 1,
    });
    expect(paperRow(database, arxivId)).toMatchObject({ upvotes: 42, listed_on: '2026-04-10' });
  });

  it('ends the same way in the catalogue built from all the seeds', () => {
    expect(paperRow(seeded(), arxivId)).toMatchObject({ upvotes: 42, listed_on: '2026-04-10', listed: 1 });
  });
});

describe('seed-papers.json', () => {
  const seedPapers = readJson(seedPapersFile()) as RawSeedPaper[];
  const hyper = seedPapers.find((p) => p.arxivId === '2310.05869')!;

  it('gives HyperAttention (2310.05869) its 6 authors in order, its publication day and its upvotes', () => {
    expect(hyper).toMatchObject({ title: 'HyperAttention: Long-context Attention in Near-Linear Time', publishedAt: '2023-10-09', upvotes: 2 });
    expect(hyper.authors).toEqual(['Insu Han', 'Rajesh Jayaram', 'Amin Karbasi', 'Vahab Mirrokni', 'David P. Woodruff', 'Amir Zandieh']);
    for (const database of [memory(), seeded()]) {
      if (counts(database).papers === 0) importOne(database, seedPapersFile());
      expect(paperRow(database, '2310.05869')).toMatchObject({
        title: hyper.title,
        published_at: '2023-10-09',
        listed_on: '2023-10-09',
        listed: 0,
        upvotes: 2,
        author_count: 6,
      });
      expect(paperAuthors(database, '2310.05869')).toEqual(
        (hyper.authors as string[]).map((name, position) => ({ name, position, accountName: null })),
      );
    }
  });

  it('puts 2509.21043, and only it, under the organization spiralworks, named "Spiral Works"', () => {
    const expected = seedPapers.filter((p) => p.organization?.slug === 'spiralworks').map((p) => p.arxivId);
    expect(expected).toEqual(['2509.21043']);
    const database = seeded();
    expect(database.sqlite.prepare("SELECT slug, name, paper_count FROM organizations WHERE slug = 'spiralworks'").all()).toEqual([
      { slug: 'spiralworks', name: 'Spiral Works', paper_count: 1 },
    ]);
    expect(
      database.sqlite
        .prepare("SELECT p.arxiv_id FROM papers p JOIN organizations o ON o.id = p.organization_id WHERE o.slug = 'spiralworks'")
        .pluck()
        .all(),
    ).toEqual(expected);
  });
});

describe('author identity', () => {
  function paperItem(template: RawItem, id: string, authors: Record<string, unknown>[]): RawItem {
    const item = clone(template);
    item.paper.id = id;
    item.paper.authors = authors;
    return item;
  }

  it('treats names differing only in case, whitespace or Unicode normalization as one author', () => {
    const template = dailyItems(smallestDailyFile())[0]!;
    const nfc = 'José Müller';
    const nfd = 'JOSE\u0301  MU\u0308LLER';
    expect(nfd.normalize('NFC')).not.toBe(nfd);
    const items = [
      paperItem(template, '2901.10001', [{ name: nfc, hidden: false }, { name: 'Ada Lovelace', hidden: false }]),
      paperItem(template, '2901.10002', [{ name: nfd, hidden: false }, { name: '  ada\tlovelace ', hidden: false }]),
      paperItem(template, '2901.10003', [{ name: 'jose\u0301 müller', hidden: false }]),
    ];
    const database = memory();
    importOne(database, writeJson(tempDir('identity'), '2029-03-01.json', items));
    expect(database.sqlite.prepare('SELECT name, name_key, paper_count FROM authors ORDER BY id').all()).toEqual([
      { name: nfc, name_key: nameKey(nfc), paper_count: 3 },
      { name: 'Ada Lovelace', name_key: 'ada lovelace', paper_count: 2 },
    ]);
    expect(paperAuthors(database, '2901.10002').map((a) => a.name)).toEqual([nfc, 'Ada Lovelace']);
  });

  it('counts a hidden author in authorCount without storing them, leaving a gap in the positions', () => {
    const template = dailyItems(smallestDailyFile())[0]!;
    const authors = [
      { name: 'First Visible', hidden: false },
      { name: 'Someone Hidden', hidden: true },
      { name: 'Third Visible', hidden: false },
    ];
    const database = memory();
    importOne(database, writeJson(tempDir('hidden'), '2029-03-02.json', [paperItem(template, '2901.10004', authors)]));
    expect(paperRow(database, '2901.10004')).toMatchObject({ author_count: authors.length });
    expect(paperAuthors(database, '2901.10004')).toEqual([
      { name: 'First Visible', position: 0, accountName: null },
      { name: 'Third Visible', position: 2, accountName: null },
    ]);
    expect(database.sqlite.prepare('SELECT count(*) FROM authors WHERE name_key = ?').pluck().get(nameKey('Someone Hidden'))).toBe(0);
  });

  it('keeps the linked account name (authors[i].user.user), also when a later paper names the author without it', () => {
    const template = dailyItems(smallestDailyFile())[0]!;
    const database = memory();
    const dir = tempDir('account');
    importOne(
      database,
      writeJson(dir, '2029-03-03.json', [
        paperItem(template, '2901.10005', [{ name: 'Grace Hopper', hidden: false, user: { user: 'ghopper', fullname: 'Grace Hopper' } }]),
      ]),
    );
    importOne(database, writeJson(dir, '2029-03-04.json', [paperItem(template, '2901.10006', [{ name: 'grace hopper', hidden: false }])]));
    expect(database.sqlite.prepare('SELECT name, account_name, paper_count FROM authors').all()).toEqual([
      { name: 'Grace Hopper', account_name: 'ghopper', paper_count: 2 },
    ]);
  });

  it('matches the seeds: every author once by identity, with the last linked account seen, hidden ones left out', () => {
    const accounts = new Map<string, string | null>();
    const hidden = new Set<string>();
    for (const file of dailySeedFiles()) {
      for (const item of dailyItems(file)) {
        for (const a of item.paper.authors ?? []) {
          const key = nameKey(a.name);
          if (a.hidden === true) {
            hidden.add(key);
            continue;
          }
          if (!accounts.has(key) || a.user?.user) accounts.set(key, a.user?.user ?? accounts.get(key) ?? null);
        }
      }
    }
    for (const paper of readJson(seedPapersFile()) as RawSeedPaper[]) {
      for (const name of paper.authors as string[]) if (!accounts.has(nameKey(name))) accounts.set(nameKey(name), null);
    }
    const stored = seeded().sqlite.prepare('SELECT name_key, account_name FROM authors').all() as { name_key: string; account_name: string | null }[];
    expect(new Map(stored.map((a) => [a.name_key, a.account_name]))).toEqual(accounts);
    expect(hidden.size).toBeGreaterThan(0);
    for (const key of hidden) if (!accounts.has(key)) expect(stored.some((a) => a.name_key === key)).toBe(false);
  });
});

describe('organizations', () => {
  it('take their slug from the API name lower-cased and their display name from fullname', () => {
    const template = dailyItems(smallestDailyFile())[0]!;
    const item = clone(template);
    item.paper.id = '2901.20001';
    item.organization = { name: 'Acme-Research', fullname: 'ACME Research Lab', avatar: 'https://cdn.example.org/acme.png' };
    const database = memory();
    importOne(database, writeJson(tempDir('org'), '2029-04-01.json', [item]));
    expect(database.sqlite.prepare('SELECT slug, name, name_key, avatar_url, paper_count FROM organizations').all()).toEqual([
      { slug: 'acme-research', name: 'ACME Research Lab', name_key: 'acme research lab', avatar_url: 'https://cdn.example.org/acme.png', paper_count: 1 },
    ]);
  });

  it('match the seeds: one per lower-cased name, named by the last fullname seen, counting their papers', () => {
    const orgs = new Map<string, { name: string; papers: Set<string> }>();
    const orgOf = new Map<string, string>();
    for (const file of dailySeedFiles()) {
      for (const item of dailyItems(file)) {
        const org = item.organization ?? item.paper.organization;
        if (!org) continue;
        const slug = (org.name as string).toLowerCase();
        orgs.set(slug, { name: ((org.fullname ?? org.name) as string).trim(), papers: orgs.get(slug)?.papers ?? new Set() });
        const previous = orgOf.get(item.paper.id);
        if (previous) orgs.get(previous)!.papers.delete(item.paper.id);
        orgOf.set(item.paper.id, slug);
        orgs.get(slug)!.papers.add(item.paper.id);
      }
    }
    for (const paper of readJson(seedPapersFile()) as RawSeedPaper[]) {
      if (!paper.organization) continue;
      const slug = (paper.organization.slug as string).toLowerCase();
      orgs.set(slug, { name: paper.organization.name ?? slug, papers: new Set([...(orgs.get(slug)?.papers ?? []), paper.arxivId]) });
    }
    const stored = seeded().sqlite.prepare('SELECT slug, name, paper_count FROM organizations ORDER BY slug').all();
    expect(stored).toEqual(
      [...orgs.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([slug, o]) => ({ slug, name: o.name, paper_count: o.papers.size })),
    );
  });
});
