// `npm run digest -- send --period DAY|WEEK|MONTH [--date YYYY-MM-DD]`
import { parseArgs } from 'node:util';
import { isDay, type Period } from '../catalogue/dates.ts';
import { describeSettings, publicUrlOf, type Config } from '../config.ts';
import { sqliteReads, type CatalogueReads } from '../catalogue/catalogue.ts';
import type { MaybePromise } from '../catalogue/maybe.ts';
import { postgresCatalogue } from '../catalogue/pg-catalogue.ts';
import type { Database } from '../db/index.ts';
import { openPostgres } from '../db/postgres.ts';
import { sqliteMailStore, type MailStore } from './mail-store.ts';
import { postgresMailStore } from './pg-mail-store.ts';
import { parseProblem } from '../ingest/cli.ts';
import { sendDigests } from './digests.ts';
import { createMailTransport } from './transport.ts';

export const DIGEST_USAGE = 'usage: npm run digest -- send --period DAY|WEEK|MONTH [--date YYYY-MM-DD]';

export const DIGEST_HELP = `${DIGEST_USAGE}

Sends each confirmed subscriber the digest of the period containing --date
(default: the latest complete period), once: a run again sends no duplicates.
Exit status: 0 all sent, 1 some mail failed (it stays queued), 2 a usage error.

options:
  --period DAY|WEEK|MONTH   which digest
  --date YYYY-MM-DD         a day in the period (default: the latest complete one)
  -h, --help                this text

${describeSettings(['DATABASE_PATH', 'DATABASE_URL', 'DATABASE_REPLICA_URLS', 'LOG_LEVEL', 'PUBLIC_URL', 'HOST', 'PORT', 'SMTP_URL', 'OUTBOX_DIR', 'MAIL_FROM'])}`;

/** Exit status: 0 all sent, 1 some mail failed (it stays queued), 2 a usage error. */
export async function runDigest(
  argv: string[],
  config: Config,
  openDatabase: () => Database,
  out: { write(text: string): unknown } = process.stdout,
  err: { write(text: string): unknown } = process.stderr,
): Promise<number> {
  let period: Period;
  let date: string | null;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { period: { type: 'string' }, date: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    });
    if (values.help || positionals.includes('help')) {
      out.write(DIGEST_HELP);
      return 0;
    }
    if (positionals.length !== 1 || positionals[0] !== 'send') throw new Error('the only command is "send"');
    if (!['DAY', 'WEEK', 'MONTH'].includes(values.period ?? '')) throw new Error('--period must be DAY, WEEK or MONTH');
    if (values.date !== undefined && !isDay(values.date)) throw new Error(`--date must be a day written YYYY-MM-DD; got "${values.date}"`);
    period = values.period as Period;
    date = values.date ?? null;
  } catch (error) {
    err.write(`digest: ${parseProblem(error)} (see npm run digest -- --help)\n`);
    return 2;
  }
  // Links in mail must reach the server from a reader's mailbox; the listening address rarely does.
  if (config.publicUrl === null) {
    err.write(`digest: warning: PUBLIC_URL is not set; links in mail will point to ${publicUrlOf(config)}, which readers probably cannot reach\n`);
  }
  const source = config.databaseUrl ? await onPostgres(config.databaseUrl, config.databaseReplicaUrls) : onSqlite(openDatabase());
  const transport = createMailTransport(config.mail);
  try {
    const r = await sendDigests(source.store, source.catalogue, transport, publicUrlOf(config), period, date);
    out.write(`${period} digest ${r.start} to ${r.end}: ${r.sent} sent, ${r.alreadySent} already sent, ${r.empty} empty, ${r.failed} failed (via ${transport.describe})\n`);
    return r.failed > 0 ? 1 : 0;
  } finally {
    transport.close();
    await source.close();
  }
}

/** The subscriptions and the papers of the digests, and how to let go of them. */
interface MailSource {
  store: MailStore;
  catalogue: CatalogueReads;
  close(): MaybePromise<void>;
}

const onSqlite = (database: Database): MailSource => ({ store: sqliteMailStore(database.db), catalogue: sqliteReads(database.db), close: () => database.close() });

async function onPostgres(url: string, replicas: string[]): Promise<MailSource> {
  const postgres = await openPostgres(url, { max: 4, replicas, watch: false });
  return { store: postgresMailStore(postgres), catalogue: postgresCatalogue(postgres), close: () => postgres.close() };
}
