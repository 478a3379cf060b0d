/** Worker: the embedded store alone, in memory, on an ephemeral loopback port. */
import { startEmbeddedMongo } from '../../src/embedded-mongo';
import { serveWorker } from './serve';

export interface StoreReady {
  uri: string;
}

serveWorker(async () => {
  const store = await startEmbeddedMongo({ port: 0 });
  const info: StoreReady = { uri: store.uri };
  return { info, stop: () => store.stop() };
});
