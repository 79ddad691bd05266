// The version of a SQLite catalogue's data, which caches are kept for.
import type { Statement } from 'better-sqlite3';
import type { Database } from './index.ts';

interface VersionReader {
  otherCommits: Statement;
  ownChanges: Statement;
  /** data_version as last read, until the event loop turns. */
  other: number | null;
}

const versionReaders = new WeakMap<Database, VersionReader>();

/**
 * Changes whenever this connection or another one commits. Other processes'
 * commits (PRAGMA data_version, a few microseconds) are read once per turn of
 * the event loop, so the requests that arrive together share the read; this
 * connection's own writes (total_changes(), next to free) are seen at once.
 */
export function dataVersion(database: Database): string {
  let reader = versionReaders.get(database);
  if (!reader) {
    const { sqlite } = database;
    // Rows as objects: the default mode, which a statement shared through the connection's cache keeps.
    reader = { otherCommits: sqlite.prepare('PRAGMA data_version'), ownChanges: sqlite.prepare('SELECT total_changes() AS n'), other: null };
    versionReaders.set(database, reader);
  }
  if (reader.other === null) {
    reader.other = (reader.otherCommits.get() as { data_version: number }).data_version;
    const read = reader;
    setImmediate(() => (read.other = null));
  }
  return `${reader.other}.${(reader.ownChanges.get() as { n: number }).n}`;
}
