// Builds one catalogue from the bundled seeds, through the real migrations and
// importer, and shares it: each test file works on its own copy (helpers.ts).
// Every run has its own folder, so that runs side by side do not collide.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openCatalogue } from '../src/catalogue/index.ts';
import { loadSeedsIfNeeded } from '../src/ingest/seeds.ts';
import { TMP } from './paths.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    runFolder: string;
  }
}

export default function setup(project: TestProject): () => void {
  mkdirSync(TMP, { recursive: true });
  const runFolder = mkdtempSync(path.join(TMP, 'run-'));
  const database = openCatalogue(path.join(runFolder, 'seeded.db'));
  loadSeedsIfNeeded(database);
  database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  database.close();
  project.provide('runFolder', runFolder);
  return () => rmSync(runFolder, { recursive: true, force: true });
}
