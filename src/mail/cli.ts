// `npm run digest -- send --period DAY|WEEK|MONTH [--date YYYY-MM-DD]`
import { parseArgs } from 'node:util';
import { isDay, type Period } from '../catalogue/dates.ts';
import { publicUrlOf, type Config } from '../config.ts';
import type { Database } from '../db/index.ts';
import { sendDigests } from './digests.ts';
import { createMailTransport } from './transport.ts';

export const DIGEST_USAGE = 'usage: npm run digest -- send --period DAY|WEEK|MONTH [--date YYYY-MM-DD]';

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
      options: { period: { type: 'string' }, date: { type: 'string' } },
    });
    if (positionals.length !== 1 || positionals[0] !== 'send') throw new Error('the only command is "send"');
    if (!['DAY', 'WEEK', 'MONTH'].includes(values.period ?? '')) throw new Error('--period must be DAY, WEEK or MONTH');
    if (values.date !== undefined && !isDay(values.date)) throw new Error(`--date must be a day written YYYY-MM-DD; got "${values.date}"`);
    period = values.period as Period;
    date = values.date ?? null;
  } catch (error) {
    err.write(`digest: ${(error as Error).message}\n${DIGEST_USAGE}\n`);
    return 2;
  }
  // Links in mail must reach the server from a reader's mailbox; the listening address rarely does.
  if (config.publicUrl === null) {
    err.write(`digest: warning: PUBLIC_URL is not set; links in mail will point to ${publicUrlOf(config)}, which readers probably cannot reach\n`);
  }
  const database = openDatabase();
  const transport = createMailTransport(config.mail);
  try {
    const r = await sendDigests(database.db, transport, publicUrlOf(config), period, date);
    out.write(`${period} digest ${r.start} to ${r.end}: ${r.sent} sent, ${r.alreadySent} already sent, ${r.empty} empty, ${r.failed} failed (via ${transport.describe})\n`);
    return r.failed > 0 ? 1 : 0;
  } finally {
    transport.close();
    database.close();
  }
}
