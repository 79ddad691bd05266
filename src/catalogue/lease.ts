// Named leases in the database: one holder at a time across processes and
// workers, as the outbox locks a mail (outbox.ts). A lease is free once it
// expires, or at once when its holder's process is gone (on this host).
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Database } from '../db/index.ts';

/** This process, as it names itself in a lease. */
export const HOLDER = `${hostname()}:${process.pid}`;

/**
 * Whether the process named "host:pid" still runs (on another host: assume
 * so, the expiry decides). A zombie is gone: in a container whose first
 * process does not reap orphans, a killed process stays one.
 */
export function isAlive(holder: string): boolean {
  const at = holder.lastIndexOf(':');
  if (holder.slice(0, at) !== hostname()) return true;
  const pid = Number(holder.slice(at + 1));
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /su, '')[0] !== 'Z';
  } catch {
    return true; // no /proc: the signal said it is there
  }
}

export type LeaseOutcome = { taken: true } | { taken: false; holder: string; expiresAt: string };

/** Takes (or renews) the lease `name` for `holder` until now + ms, unless someone alive holds it. */
export function takeLease(
  { sqlite }: Database,
  name: string,
  holder: string,
  now: Date,
  ms: number,
  isAlive: (holder: string) => boolean,
): LeaseOutcome {
  // IMMEDIATE: of two takers racing, the second reads the first's row.
  return sqlite
    .transaction((): LeaseOutcome => {
      const row = sqlite.prepare('SELECT holder, expires_at FROM leases WHERE name = ?').get(name) as { holder: string; expires_at: string } | undefined;
      if (row && row.holder !== holder && row.expires_at > now.toISOString() && isAlive(row.holder)) {
        return { taken: false, holder: row.holder, expiresAt: row.expires_at };
      }
      sqlite
        .prepare('INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at')
        .run(name, holder, new Date(now.getTime() + ms).toISOString());
      return { taken: true };
    })
    .immediate();
}

/** Gives the lease up, if `holder` still has it. */
export function releaseLease({ sqlite }: Database, name: string, holder: string): void {
  sqlite.prepare('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder);
}
