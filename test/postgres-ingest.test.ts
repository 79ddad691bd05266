// Ingest on PostgreSQL, against a real server that this file starts
// (test/postgres.ts): bundled seeds imported through `npm run ingest` with
// DATABASE_URL give, row for row, the catalogue that importing them into
// SQLite and copying it gives, search vectors and the related-papers index
// included; files made to try each merge rule (author identity, hidden
// authors, account names, organizations renamed and left empty, a paper on
// two days, texts changed, invalid items skipped) give the same rows on both
// engines; an update is merged, a dry run writes nothing, a rejected file
// nothing either, and a second run of the same files imports nothing.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFilesIntoPostgres } from '../src/catalogue/pg-store.ts';
import { openCatalogue } from '../src/catalogue/index.ts';
import { copyCatalogue } from '../src/db/copy.ts';
import { importFiles } from '../src/ingest/importer.ts';
import { openPostgres, type PostgresDatabase } from '../src/db/postgres.ts';
import { seedFiles } from '../src/ingest/seeds.ts';
import { clone, dailyItems, dailySeedFiles, ROOT, smallestDailyFile, tempDir, writeJson, type RawItem } from './ingest-helpers.ts';
import { startPostgres, type PostgresServer } from './postgres.ts';
import { POSTGRESQL, skipReason } from './prerequisites.ts';

const run = promisify(execFile);

/** `npm run ingest -- …` as a user runs it, on the database at `url`. */
async function ingest(url: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const env = { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' };
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/main.ts', 'ingest', ...args], { cwd: ROOT, env, maxBuffer: 16 << 20 });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { status: code, stdout, stderr };
  }
}

/** The tables an import writes, each with its order and the columns that may differ between two imports (when they ran). */
const IMPORTED: [table: string, order: string, except?: string][] = [
  ['organizations', 'id'],
  ['papers', 'id'],
  ['authors', 'id'],
  ['paper_authors', 'paper_id, author_id'],
  ['upvote_history', 'paper_id, date'],
  ['imports', 'id', 'imported_at'],
  ['search_words', 'word'],
  ['paper_terms', 'paper_id, term'],
  ['term_stats', 'term'],
];

/** A table's rows, as one checksum and a count (`search`, the tsvector, included). */
async function fingerprint(database: PostgresDatabase, [table, order, except]: (typeof IMPORTED)[number]): Promise<{ rows: number; md5: string }> {
  const row = except ? `(to_jsonb(t) - '${except}')::text` : 't::text';
  const { rows } = await database.pool.query<{ rows: number; md5: string }>(`SELECT count(*)::int AS rows, md5(coalesce(string_agg(${row}, E'\\n' ORDER BY ${order}), '')) AS md5 FROM ${table} t`);
  return rows[0]!;
}

describe.skipIf(skipReason(POSTGRESQL))('ingest with DATABASE_URL', { timeout: 300_000 }, () => {
  let server: PostgresServer;
  let ingested: PostgresDatabase;
  let copied: PostgresDatabase;
  let firstRun: Awaited<ReturnType<typeof ingest>>;
  let ingestedUrl: string;

  // A third of the bundled seeds (every third file, seed-papers.json among them): the whole takes a minute more.
  const files = seedFiles().filter((file, i) => i % 3 === 0 || file.endsWith('seed-papers.json.gz'));

  beforeAll(async () => {
    server = await startPostgres();
    ingestedUrl = await server.createDatabase('ingested');
    firstRun = await ingest(ingestedUrl, files);
    ingested = await openPostgres(ingestedUrl, { watch: false });
    copied = await openPostgres(await server.createDatabase('copied'), { watch: false });
    const sqlite = openCatalogue(':memory:');
    importFiles(sqlite, files);
    await copyCatalogue(sqlite.db, copied.db);
    sqlite.close();
  }, 600_000);

  afterAll(async () => {
    await ingested?.close();
    await copied?.close();
    await server?.stop();
  });

  it('imports the seeds into the same catalogue as SQLite does, row for row', async () => {
    expect(firstRun.status, firstRun.stderr).toBe(0);
    expect(firstRun.stdout).toMatch(new RegExp(`${files.length} files: ${files.length} imported, 0 already imported, 0 rejected`, 'u'));
    for (const table of IMPORTED) expect(await fingerprint(ingested, table), table[0]).toEqual(await fingerprint(copied, table));
    const { rows } = await ingested.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM papers WHERE search IS NULL');
    expect(rows[0]!.n).toBe(0);
  });

  it('applies each merge rule as SQLite does: the same rows after files made to try them', async () => {
    const template = dailyItems(smallestDailyFile())[0]!;
    const paper = (id: string, authors: Record<string, unknown>[], change: (item: RawItem) => void = () => {}): RawItem => {
      const item = clone(template);
      item.paper.id = id;
      item.paper.authors = authors;
      change(item);
      return item;
    };
    const named = (name: string, user?: string) => ({ name, hidden: false, ...(user ? { user: { user, fullname: name } } : {}) });
    const dir = tempDir('rules');
    const files = [
      writeJson(dir, '2029-03-01.json', [
        // One identity four ways, twice in one paper with two account names; a hidden author between.
        paper('2901.10001', [named('José Müller', 'jm1'), { name: 'Someone Hidden', hidden: true }, named('JOSE\u0301  MU\u0308LLER', 'jm2'), named('Ada Lovelace')]),
        paper('2901.10002', [named('  ada\tlovelace '), named('Grace Hopper', 'ghopper')], (item) => {
          item.organization = { name: 'Acme-Research', fullname: 'ACME Research Lab', avatar: 'https://cdn.example.org/acme.png' };
        }),
      ]),
      writeJson(dir, '2029-03-02.json', [
        // Renamed, moved to another organization (Acme is left with none), authors changed (Ada's last paper gone).
        paper('2901.10002', [named('grace hopper')], (item) => {
          item.paper.title = 'A title written again for the second listing';
          item.paper.upvotes += 7;
          item.organization = { name: 'Other-Lab', fullname: 'Other Lab', avatar: null };
        }),
        paper('2901.10001', [named('jose\u0301 müller')], (item) => {
          item.paper.summary = 'An abstract about transformers, diffusion and agents, written anew.';
        }),
      ]),
      writeJson(dir, '2029-03-03.json', [
        paper('2901.10003', [named('Grace Hopper', 'gracehopper')], (item) => {
          item.organization = { name: 'Other-Lab', fullname: 'Other Laboratory', avatar: 'https://cdn.example.org/other.png' };
        }),
        { ...paper('2901.10004', []), paper: { id: '2901.10004' } }, // invalid: skipped
      ]),
      // A real paper listed on two days, the later day first.
      ...dailySeedFiles().filter((file) => /2026-04-1[06]/u.test(file)).reverse(),
    ];
    const sqlite = openCatalogue(':memory:');
    const expected = importFiles(sqlite, files, { skipInvalid: true });
    const [onPostgres, copiedBack] = await Promise.all([server.createDatabase('rules'), server.createDatabase('rules_sqlite')]).then((urls) =>
      Promise.all(urls.map((url) => openPostgres(url, { watch: false }))),
    );
    try {
      expect(await importFilesIntoPostgres(onPostgres!, files, { skipInvalid: true })).toEqual(expected);
      expect(expected).toMatchObject({ imported: files.length, itemsSkipped: 1 });
      await copyCatalogue(sqlite.db, copiedBack!.db);
      for (const table of IMPORTED) expect(await fingerprint(onPostgres!, table), table[0]).toEqual(await fingerprint(copiedBack!, table));
    } finally {
      sqlite.close();
      await Promise.all([onPostgres!.close(), copiedBack!.close()]);
    }
  });

  it('imports nothing twice, and a dry run and a rejected file write nothing', async () => {
    const before = await Promise.all(IMPORTED.map((table) => fingerprint(ingested, table)));
    const again = await ingest(ingestedUrl, files.slice(0, 3));
    expect(again.stdout).toContain('3 files, all already imported: nothing changed.');

    const items = clone(dailyItems(files[0]!));
    items[0]!.paper.upvotes += 1000;
    const dir = tempDir('pg');
    const changed = writeJson(dir, 'changed.json', items);
    const broken = clone(items);
    delete broken[1]!.paper.id;
    const rejected = writeJson(dir, 'rejected.json', broken);
    const dry = await ingest(ingestedUrl, ['--dry-run', changed]);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Dry run, nothing written');
    expect(dry.stdout).toContain('1 updated');
    expect((await ingest(ingestedUrl, [rejected])).status).toBe(1);
    expect(await Promise.all(IMPORTED.map((table) => fingerprint(ingested, table)))).toEqual(before);

    const real = await ingest(ingestedUrl, [changed]);
    expect(real.status, real.stderr).toBe(0);
    const { rows } = await ingested.pool.query<{ upvotes: number }>('SELECT upvotes FROM papers WHERE arxiv_id = $1', [items[0]!.paper.id]);
    expect(rows[0]!.upvotes).toBe(items[0]!.paper.upvotes);
  });
});
