// The raw baseline under load (raw.ts behind node:http), in a process of its
// own like server.ts, and started and stopped the same way (child.ts).
//
//   tsx test/bench/raw-server.ts <catalogue.db> <lifetime in seconds>
//
// POST /raw/<endpoint> with the GraphQL request's body: only its `variables`
// are read. Prints its URL (ending in /raw) as the first line on stdout.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openRawApi } from './raw.ts';
import { closeServer, stopWhenAsked } from './lifecycle.ts';

const [databasePath, lifetime] = process.argv.slice(2);
const lifetimeSeconds = Number(lifetime);
if (!databasePath || !(lifetimeSeconds > 0)) {
  process.stderr.write('usage: tsx test/bench/raw-server.ts <catalogue.db> <lifetime in seconds>\n');
  process.exit(2);
}

const api = openRawApi(databasePath);
const PREFIX = '/raw/';

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let status = 200;
    let body: string;
    try {
      const endpoint = request.method === 'POST' && request.url?.startsWith(PREFIX) ? request.url.slice(PREFIX.length) : '';
      const { variables } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { variables?: Record<string, unknown> };
      const answer = api.answer(endpoint, variables);
      if (answer) body = answer.body;
      else [status, body] = [404, JSON.stringify({ error: `no endpoint ${request.url}` })];
    } catch (error) {
      [status, body] = [500, JSON.stringify({ error: error instanceof Error ? error.message : String(error) })];
    }
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  });
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`http://127.0.0.1:${port}/raw\n`);
});

stopWhenAsked('raw bench server', lifetimeSeconds, async () => {
  await closeServer(server);
  api.close();
});
