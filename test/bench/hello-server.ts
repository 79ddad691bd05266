// The floor of the GraphQL stack, for the report: a bare createYoga with a
// one-field schema ({ hello }), configured as src/yoga.ts configures the
// pipeline that every request goes through (no body-size transform), behind
// node:http. Started and stopped like server.ts (child.ts):
//
//   tsx test/bench/hello-server.ts <any file> <lifetime in seconds>
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { closeServer, stopWhenAsked } from './lifecycle.ts';

const lifetimeSeconds = Number(process.argv[3]);
if (!(lifetimeSeconds > 0)) {
  process.stderr.write('usage: tsx test/bench/hello-server.ts <any file> <lifetime in seconds>\n');
  process.exit(2);
}

const yoga = createYoga({
  schema: createSchema({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'world' } } }),
  maxRequestBodySize: false,
  logging: false,
  landingPage: false,
  graphiql: false,
});
const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql\n`);
});

stopWhenAsked('floor bench server', lifetimeSeconds, () => closeServer(server));
