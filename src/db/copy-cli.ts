// The `copy` command: parses its arguments, opens both engines, copies, and
// prints one line per table.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CommandError, MAIN, usageError } from '../commands.ts';
import { parseProblem } from '../ingest/cli.ts';
import { openReadOnly } from './index.ts';
import { copyCatalogue, CopyError } from './copy.ts';
import { isPostgresUrl, openPostgres } from './postgres.ts';

export const COPY_HELP = `usage: ${MAIN} copy --from <sqlite file> --to <postgres url>   (npm run copy -- …)

Copies a whole catalogue (papers, authors, organizations, upvote history, the
search and related-papers indexes, subscriptions, mail and the ledgers) from a
SQLite file to an empty PostgreSQL database, in one transaction. The target is
migrated first; every table is then read back and its row count and checksum
compared with the source's, and any difference undoes the whole copy.
Exit status: 0 copied, 1 refused or failed (nothing changed), 2 a usage error.

options:
  --from FILE   the SQLite catalogue (e.g. ./data/catalogue.db); it is only read
  --to URL      postgres://user:password@host:port/database, empty
  -h, --help    this text
`;

export async function runCopy(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  let values: { from?: string; to?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { from: { type: 'string' }, to: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    throw usageError('copy', parseProblem(error));
  }
  if (values.help) {
    out.write(COPY_HELP);
    return 0;
  }
  if (!values.from) throw usageError('copy', '--from <sqlite file> is required');
  if (!values.to) throw usageError('copy', '--to <postgres url> is required');
  if (!isPostgresUrl(values.to)) throw usageError('copy', `--to must be a postgres:// URL; got "${values.to.replace(/:[^:@/]*@/u, ':…@')}"`);
  if (!existsSync(values.from)) throw new CommandError(`copy: --from ${values.from}: no such file`);
  const source = openReadOnly(values.from);
  try {
    const target = await openPostgres(values.to, { max: 1, watch: false }).catch((error: Error) => {
      throw new CommandError(error.message);
    });
    try {
      const tables = await copyCatalogue(source.db, target.db);
      const width = Math.max(...tables.map((t) => t.table.length));
      for (const t of tables) out.write(`${t.table.padEnd(width)}  ${String(t.rows).padStart(9)} rows  sha256 ${t.checksum.slice(0, 16)}…  equal\n`);
      out.write(`copied ${tables.reduce((n, t) => n + t.rows, 0)} rows in ${tables.length} tables; every count and checksum equal\n`);
      return 0;
    } finally {
      await target.close();
    }
  } catch (error) {
    if (error instanceof CopyError) throw new CommandError(`copy: ${error.message}`);
    throw error;
  } finally {
    source.close();
  }
}
