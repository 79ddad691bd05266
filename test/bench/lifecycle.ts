// How a bench server in a child process ends (the protocol child.ts expects):
// on SIGTERM / SIGINT or when its stdin closes (the parent went away), status
// 0; at the end of its lifetime at the latest, status 1. `close` gets two
// seconds, then the process exits anyway (open connections would hold it up).
export function stopWhenAsked(name: string, lifetimeSeconds: number, close: () => Promise<unknown>): void {
  let stopping = false;
  const stop = (status: number) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(status), 2_000).unref();
    void close().then(() => process.exit(status));
  };
  process.once('SIGTERM', () => stop(0));
  process.once('SIGINT', () => stop(0));
  process.stdin.once('end', () => stop(0)).resume();
  setTimeout(() => {
    process.stderr.write(`${name}: lifetime of ${lifetimeSeconds} s is over, stopping\n`);
    stop(1);
  }, lifetimeSeconds * 1_000).unref();
}

/** Closes a node:http server, cutting its keep-alive connections. */
export function closeServer(server: import('node:http').Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
