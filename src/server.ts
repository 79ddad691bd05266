// Listening on a port: open the catalogue, load the seeds on first start,
// serve, and stop cleanly on SIGTERM / SIGINT.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { openCatalogue } from './catalogue/index.ts';
import { openPostgres } from './db/postgres.ts';
import type { ImportSummary } from './ingest/importer.ts';
import { publicUrlOf, type Config } from './config.ts';
import { summarize } from './ingest/cli.ts';
import { loadSeedsIfNeeded, loadSeedsIntoPostgres } from './ingest/seeds.ts';
import { configureLogging, log } from './log.ts';
import { deliversMail } from './cluster.ts';
import { startOutboxWorker, type OutboxWorker } from './mail/delivery.ts';
import { createMailTransport } from './mail/transport.ts';
import { startSyncSchedule, type SyncSchedule } from './sync/schedule.ts';
import { createRequestListener, postgresServed, sqliteServed, type Served } from './yoga.ts';

export interface Running {
  server: Server;
  url: string;
  /** Where mail goes. */
  mail: string;
  /**
   * Stops accepting connections, lets the requests in flight finish (idle
   * keep-alive connections are closed at once), stops the mail worker and
   * closes the database; after config.shutdownGraceMs, cuts what is still open.
   */
  close(): Promise<void>;
}

export interface ServerOptions {
  /** The clock of the scheduled sync and digests (tests set it). */
  now?: () => Date;
}

/**
 * The catalogue to serve: on PostgreSQL at DATABASE_URL (its replicas taking
 * the reads), else in the SQLite file at DATABASE_PATH; migrated, and seeded
 * if empty and SEEDS=auto.
 */
export async function openServed(config: Config): Promise<{ served: Served; close(): Promise<void> }> {
  const started = Date.now();
  const seeded = (summary: ImportSummary | null) => summary && log.info('loaded the bundled seeds', { summary: summarize(summary), ms: Date.now() - started });
  if (config.databaseUrl) {
    const postgres = await openPostgres(config.databaseUrl, { replicas: config.databaseReplicaUrls });
    if (config.seeds === 'auto') {
      try {
        seeded(await loadSeedsIntoPostgres(postgres));
      } catch (error) {
        await postgres.close();
        throw error;
      }
    }
    return { served: postgresServed(postgres), close: () => postgres.close() };
  }
  const database = openCatalogue(config.databasePath);
  if (config.seeds === 'auto') seeded(loadSeedsIfNeeded(database));
  return { served: sqliteServed(database), close: async () => database.close() };
}

export async function startServer(config: Config, options: ServerOptions = {}): Promise<Running> {
  configureLogging(config.logLevel);
  const { served, close: closeCatalogue } = await openServed(config);
  const transport = createMailTransport(config.mail);
  // On PostgreSQL every instance delivers: each due mail goes to one of them (mail/pg-mail-store.ts).
  const outbox: OutboxWorker = deliversMail() ? startOutboxWorker(served.mailStore, transport, config.mail.pollMs) : { nudge: () => {}, stop: async () => {} };
  const mail = { publicUrl: publicUrlOf(config), nudge: outbox.nudge };
  // A client sending its request slowly is cut off too (408), not only a slow execution.
  const listener = createRequestListener(served, { mail, config });
  const server = createServer(
    {
      requestTimeout: config.limits.requestTimeoutMs,
      headersTimeout: Math.min(60_000, config.limits.requestTimeoutMs),
      connectionsCheckingInterval: Math.min(30_000, Math.max(250, config.limits.requestTimeoutMs / 4)),
    },
    listener,
  );
  const connections = trackConnections(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  // With PORT=0 the port is known only now.
  mail.publicUrl = publicUrlOf(config, port);
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/graphql`;
  // SYNC_INTERVAL: every worker tries; the sync's lease lets one process at a time run.
  const { intervalMs } = config.sync;
  const sync: SyncSchedule | null =
    intervalMs === null ? null : startSyncSchedule(served, { ...config.sync, intervalMs }, { publicUrl: () => mail.publicUrl, nudge: outbox.nudge }, options.now);
  let closing: Promise<void> | null = null;
  const stop = async (): Promise<void> => {
    const deadline = Date.now() + config.shutdownGraceMs;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    connections.stopping();
    if (!(await settlesBefore(closed, deadline))) {
      log.warn('shutdown grace time over: closing the connections still open', {
        graceMs: config.shutdownGraceMs,
        connections: connections.open.size,
        requests: connections.inFlight.size,
      });
      server.closeAllConnections();
      await closed;
    }
    // A sync stops after the day it is on; one cut short is completed by the next run.
    if (sync && !(await settlesBefore(sync.stop(), deadline))) log.warn('shutdown grace time over: sync still running');
    // A delivery cut short is sent again once its lease expires (mail/delivery.ts).
    if (!(await settlesBefore(outbox.stop(), deadline))) log.warn('shutdown grace time over: mail delivery still running');
    transport.close();
    await listener.close();
    await closeCatalogue();
  };
  return {
    server,
    url,
    mail: transport.describe,
    close: () => (closing ??= stop()),
  };
}

/** Whether `promise` settles before `deadline` (a time in ms). */
async function settlesBefore(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()), false)));
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The open connections and the responses in progress. Once stopping, every
 * response asks the client to close its connection, and a keep-alive
 * connection is closed as soon as it is idle, so that none holds shutdown up.
 */
function trackConnections(server: Server) {
  const open = new Set<Socket>();
  const inFlight = new Set<ServerResponse>();
  let stopping = false;
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  server.on('request', (_request, response: ServerResponse) => {
    inFlight.add(response);
    if (stopping) response.setHeader('connection', 'close');
    response.once('close', () => {
      inFlight.delete(response);
      if (stopping) setImmediate(() => server.closeIdleConnections());
    });
  });
  return {
    open,
    inFlight,
    stopping(): void {
      stopping = true;
      for (const response of inFlight) if (!response.headersSent) response.setHeader('connection', 'close');
      server.closeIdleConnections();
    },
  };
}
