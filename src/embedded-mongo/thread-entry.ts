/**
 * The worker side of startEmbeddedMongoThread (thread.ts): starts the store with the options it was given, posts
 * `ready` (or `failed`), and on `stop` closes it and lets the thread end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setLogFormat } from '../log';
import { startEmbeddedMongo } from './store';
import { errorParts, type ThreadMessage, type ThreadStart } from './thread';

const port = parentPort;
if (!port) throw new Error('thread-entry runs as the worker thread of startEmbeddedMongoThread, not on its own');
const start = workerData as ThreadStart;
const post = (m: ThreadMessage): void => port.postMessage(m);

setLogFormat(start.logFormat);
startEmbeddedMongo({ dataDir: start.dataDir, socketPath: start.socketPath }).then(
  (store) => {
    port.on('message', (m: { type?: unknown }) => {
      if (m.type !== 'stop') return;
      store.stop().then(
        () => post({ type: 'stopped' }),
        (error: unknown) => post({ type: 'stopFailed', error: errorParts(error) }),
      ).finally(() => port.close());
    });
    post({ type: 'ready', uri: store.uri });
  },
  (error: unknown) => {
    post({ type: 'failed', error: errorParts(error) });
    port.close();
  },
);
