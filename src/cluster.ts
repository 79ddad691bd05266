// WORKERS=n: n server processes on one port (node:cluster), sharing the
// database file (SQLite in WAL mode serves concurrent readers). The primary
// migrates and loads the seeds once, then forks; only the first worker
// delivers mail (the others would only race it for the same rows).
import cluster from 'node:cluster';
import type { Config } from './config.ts';
import { log } from './log.ts';
import { openServed } from './server.ts';

/** In the primary: prepares the database, forks the workers, restarts a worker that dies, stops them all on SIGTERM / SIGINT. */
export async function runPrimary(config: Config): Promise<void> {
  // Migrated and seeded once, before the workers open it.
  await (await openServed(config)).close();

  let stopping = false;
  const fork = (index: number) => {
    let listened = false;
    const worker = cluster.fork({ WORKER_INDEX: String(index), SEEDS: 'off' });
    worker.on('listening', () => (listened = true)).on('exit', (code, signal) => {
      if (stopping) return;
      // A worker that could not even listen (port in use: it said so) would fail again.
      if (!listened) {
        process.exitCode = 1;
        stop('SIGTERM');
        return;
      }
      log.warn('worker stopped, starting another', { index, code, signal });
      fork(index);
    });
  };
  for (let i = 0; i < config.workers; i++) fork(i);

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info('stopping workers', { signal, workers: Object.keys(cluster.workers ?? {}).length });
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    // Each worker has SHUTDOWN_GRACE_MS to finish; give it a little more, then leave.
    setTimeout(() => process.exit(), config.shutdownGraceMs + 2_000).unref();
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** In a worker: whether this one delivers the mail queue. */
export const deliversMail = (): boolean => !cluster.isWorker || process.env.WORKER_INDEX === '0';
