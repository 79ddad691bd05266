// Opening the catalogue: the database, migrated, with the catalogue's SQL functions.
import { openDatabase, openReadOnly, type Database } from '../db/index.ts';
import { registerTrendingScore } from './trending.ts';

export type { Database };

export function openCatalogue(file: string): Database {
  const database = openDatabase(file);
  registerTrendingScore(database.sqlite);
  return database;
}

/** A read-only connection with the catalogue's SQL functions, as execution threads use. */
export function openCatalogueReader(file: string): Database {
  const database = openReadOnly(file);
  registerTrendingScore(database.sqlite);
  return database;
}
