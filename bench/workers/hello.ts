/**
 * Worker: a bare Apollo Server hello-world (one String field, no plugins), the P5 baseline. Same package and
 * version as the gateway, on Node's own http server, loopback, ephemeral port.
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { serveWorker } from './serve';

export interface HelloReady {
  url: string;
}

serveWorker(async () => {
  const server = new ApolloServer({
    typeDefs: 'type Query { hello: String! }',
    resolvers: { Query: { hello: () => 'world' } },
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  const info: HelloReady = { url };
  return { info, stop: () => server.stop() };
});
