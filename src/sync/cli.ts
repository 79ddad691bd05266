// `npm run sync -- [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--dry-run] [--skip-invalid]`
import { parseArgs } from 'node:util';
import { isDay } from '../catalogue/dates.ts';
import type { SyncSettings } from '../config.ts';
import type { Database } from '../db/index.ts';
import type { PostgresDatabase } from '../db/postgres.ts';
import { openPostgresSyncStore } from './pg-sync-store.ts';
import { sqliteSyncStore } from './sync-store.ts';
import type { Output } from '../ingest/cli.ts';
import { runSync, type DayOutcome, type SyncSummary } from './sync.ts';

export const SYNC_USAGE = 'usage: npm run sync -- [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--dry-run] [--skip-invalid]';

/**
 * Exit status: 0 every day synced, 1 a day failed or the upstream could not
 * be reached, 2 a usage error, 3 another sync is running. `open` gives the
 * SQLite catalogue, or the one on PostgreSQL.
 */
export async function runSyncCommand(
  argv: string[],
  settings: SyncSettings,
  open: () => Database | Promise<PostgresDatabase>,
  out: Output = process.stdout,
  err: Output = process.stderr,
): Promise<number> {
  let options: { from: string | null; to: string | null; dryRun: boolean; skipInvalid: boolean };
  try {
    const { values } = parseArgs({
      args: argv,
      options: { from: { type: 'string' }, to: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, 'skip-invalid': { type: 'boolean', default: false } },
    });
    for (const name of ['from', 'to'] as const) {
      const value = values[name];
      if (value !== undefined && !isDay(value)) throw new Error(`--${name} must be a day written YYYY-MM-DD; got "${value}"`);
    }
    if (values.from && values.to && values.from > values.to) throw new Error(`--from ${values.from} is after --to ${values.to}`);
    options = { from: values.from ?? null, to: values.to ?? null, dryRun: values['dry-run'], skipInvalid: values['skip-invalid'] };
  } catch (error) {
    err.write(`sync: ${(error as Error).message}\n${SYNC_USAGE}\n`);
    return 2;
  }
  const database = await open();
  const store = 'sqlite' in database ? sqliteSyncStore(database) : await openPostgresSyncStore(database);
  try {
    const progress = out.isTTY && err.isTTY ? progressBar(err) : null;
    const result = await runSync(store, settings, {
      ...options,
      onDay(outcome, done, total) {
        progress?.update(done, total, outcome.day);
        if (outcome.status === 'failed') {
          progress?.clear();
          err.write(`${describeDay(outcome, options.dryRun)}\n`);
        } else if (!progress) {
          out.write(`${describeDay(outcome, options.dryRun)}\n`);
        }
      },
      onWait: (wait) => {
        progress?.clear();
        err.write(`${wait.day}: ${wait.reason}; trying again in ${(wait.ms / 1000).toFixed(1)} s\n`);
      },
    });
    progress?.clear();
    if (result.status === 'busy') {
      err.write(`sync: another sync is running (${result.holder}, lease until ${result.expiresAt}); nothing done\n`);
      return 3;
    }
    if (result.summary.stopped) err.write(`sync: stopped: ${result.summary.stopped}\n`);
    out.write(`${summarizeSync(result.summary, settings.upstreamUrl, options.dryRun)}\n`);
    return result.summary.failed > 0 || result.summary.stopped ? 1 : 0;
  } finally {
    await store.close?.();
    await database.close();
  }
}

function describeDay(outcome: DayOutcome, dryRun: boolean): string {
  switch (outcome.status) {
    case 'imported':
      return `${outcome.day}: ${dryRun ? 'would import' : 'imported'} ${outcome.items} items (papers ${outcome.papersAdded} added, ${outcome.papersUpdated} updated)`;
    case 'unchanged':
      return `${outcome.day}: unchanged since the last sync (same ${outcome.why === 'etag' ? 'ETag' : 'checksum'}), nothing to do`;
    case 'failed':
      return `${outcome.day}: failed, nothing imported from it: ${outcome.message}`;
  }
}

export function summarizeSync(s: SyncSummary, upstream: string, dryRun = false): string {
  const head = dryRun ? 'Dry run, nothing written: ' : '';
  if (!s.range) return `${head}nothing to sync: the catalogue is up to date.`;
  return (
    `${head}synced ${s.range.from} to ${s.range.to} from ${upstream}: ${s.days} days, ${s.imported} imported, ${s.unchanged} unchanged, ${s.failed} failed` +
    `${s.stopped ? `, ${s.days - s.imported - s.unchanged - s.failed} not reached` : ''}; papers ${s.papersAdded} added, ${s.papersUpdated} updated.`
  );
}

function progressBar(stream: Output) {
  const width = 30;
  return {
    update(done: number, total: number, day: string): void {
      const filled = Math.round((done / total) * width);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${day}\x1b[K`);
    },
    clear(): void {
      stream.write('\r\x1b[K');
    },
  };
}
