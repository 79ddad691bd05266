// Builds one catalogue from the bundled seeds, through the real migrations and
// importer, and shares it: each test file works on its own copy (see helpers.ts).
import { mkdirSync, rmSync } from 'node:fs';
import { openCatalogue } from '../src/catalogue/index.ts';
import { loadSeedsIfNeeded } from '../src/ingest/seeds.ts';
import { SEEDED_DB, TMP } from './paths.ts';

export default function setup(): void {
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
  const database = openCatalogue(SEEDED_DB);
  loadSeedsIfNeeded(database);
  database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  database.close();
}
