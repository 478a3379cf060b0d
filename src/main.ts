/**
 * Command-line entry: validated config, the embedded store when MONGODB_URI is unset (persistent in
 * TRACEGATE_DATA_DIR, on a worker thread of this process unless TRACEGATE_STORE_THREAD=shared), the gateway, one
 * start-up line, graceful shutdown on SIGINT/SIGTERM.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig, type Config } from './config';
import { startEmbeddedMongo, startEmbeddedMongoThread } from './embedded-mongo';
import { log, setLogFormat } from './log';
import { readGauge } from './metrics';
import { gatewayExtensions, startGateway } from './server';

const logger = log.child('main');

/** The window of the store thread's utilization gauge. */
const STORE_THREAD_WINDOW_MS = 10_000;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tracegate: invalid configuration: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  setLogFormat(config.logFormat);

  let embedded: { uri: string; stop(): Promise<void> } | null = null;
  let storeDescription: string;
  if (config.mongoUri) {
    storeDescription = `MongoDB at ${config.mongoUri.replace(/\/\/[^@/]*@/, '//***@')} (database ${config.mongoDb})`;
  } else {
    const dataDir = resolve(config.dataDir);
    mkdirSync(dataDir, { recursive: true });
    // A Unix socket inside the data directory (owner only): no TCP port another local user could reach.
    const socketPath = join(dataDir, 'store.sock');
    if (config.storeThread === 'own') {
      // A thread of its own: the store's writes and the gateway's requests do not wait for each other.
      const thread = await startEmbeddedMongoThread({ dataDir, socketPath, logFormat: config.logFormat });
      void thread.ended.then((error) => {
        logger.error('the embedded store stopped unexpectedly; exiting (its data directory is crash-safe, start again)', { error });
        process.exit(1);
      });
      embedded = thread;
      if (config.metrics) {
        // Its share of the last window, refreshed by a timer: a scrape reads it the same way however often it comes.
        let last = thread.eventLoopUtilization();
        let share = 0;
        setInterval(() => {
          const now = thread.eventLoopUtilization();
          share = thread.eventLoopUtilization(now, last).utilization;
          last = now;
        }, STORE_THREAD_WINDOW_MS).unref();
        readGauge('tracegate_store_thread_event_loop_utilization', `share of the last ${STORE_THREAD_WINDOW_MS / 1000} s the embedded store's own thread was busy (0-1)`).provide(() => share);
      }
    } else {
      embedded = await startEmbeddedMongo({ dataDir, socketPath });
    }
    config = { ...config, mongoUri: embedded.uri };
    storeDescription = `embedded store in ${dataDir} on ${embedded.uri} (database ${config.mongoDb}; ${config.storeThread === 'own' ? 'its own thread' : "the gateway's thread"})`;
  }

  const gateway = await startGateway(config, { extensions: gatewayExtensions(config) });
  logger.info(`Tracegate listening on ${gateway.url} using the ${storeDescription}`);

  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info('shutting down', { signal, graceMs: config.shutdownGraceMs });
    // The gateway's stop fits in the grace; this bounds whatever else (the embedded store's close) might not.
    // Below 1 s of grace, closing still gets 1 s.
    setTimeout(() => {
      logger.error('shutdown did not finish within TRACEGATE_SHUTDOWN_GRACE; exiting', { graceMs: config.shutdownGraceMs });
      process.exit(1);
    }, Math.max(config.shutdownGraceMs, 1000)).unref();
    void (async () => {
      try {
        await gateway.stop();
        await embedded?.stop();
        process.exit(0);
      } catch (error) {
        logger.error('shutdown failed', { error: error as Error });
        process.exit(1);
      }
    })();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  logger.error('failed to start', { error: error as Error });
  process.exit(1);
});
