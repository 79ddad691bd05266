// Listening on a port: open the catalogue, load the seeds on first start,
// serve, and stop cleanly on SIGTERM / SIGINT.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openCatalogue } from './catalogue/index.ts';
import { publicUrlOf, type Config } from './config.ts';
import { summarize } from './ingest/cli.ts';
import { loadSeedsIfNeeded } from './ingest/seeds.ts';
import { log } from './log.ts';
import { startOutboxWorker } from './mail/delivery.ts';
import { createMailTransport } from './mail/transport.ts';
import { createApp } from './yoga.ts';

export interface Running {
  server: Server;
  url: string;
  /** Where mail goes. */
  mail: string;
  close(): Promise<void>;
}

export async function startServer(config: Config): Promise<Running> {
  const database = openCatalogue(config.databasePath);
  if (config.seeds === 'auto') {
    const started = Date.now();
    const seeded = loadSeedsIfNeeded(database);
    if (seeded) log.info('loaded the bundled seeds', { summary: summarize(seeded), ms: Date.now() - started });
  }
  const transport = createMailTransport(config.mail);
  const outbox = startOutboxWorker(database.db, transport, config.mail.pollMs);
  const mail = { publicUrl: publicUrlOf(config), nudge: outbox.nudge };
  const server = createServer(createApp(database, { mail, config }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  // With PORT=0 the port is known only now.
  mail.publicUrl = publicUrlOf(config, port);
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/graphql`;
  let closing: Promise<void> | null = null;
  return {
    server,
    url,
    mail: transport.describe,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          void outbox.stop().then(() => {
            transport.close();
            database.close();
            resolve();
          });
        });
        server.closeIdleConnections();
      })),
  };
}
