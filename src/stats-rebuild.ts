/**
 * `npm run stats:rebuild`: recomputes every analytics rollup from the stored spans (src/analytics/rebuild.ts).
 * Uses the same settings as the gateway: MONGODB_URI / MONGODB_DB, TRACEGATE_STATS_RETENTION; with MONGODB_URI
 * unset it opens the embedded store in TRACEGATE_DATA_DIR (stop the gateway first, or set MONGODB_URI to the
 * store URI the gateway logged at start). Prints a progress line on stderr; exit code 0 when done.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { rebuildRollups, ServiceAnalytics, type RebuildProgress } from './analytics';
import { ConfigError, loadConfig } from './config';
import { startEmbeddedMongo, type EmbeddedMongo } from './embedded-mongo';
import { MongoTraceStore } from './store';

async function main(): Promise<void> {
  const config = loadConfig();
  let embedded: EmbeddedMongo | null = null;
  let uri = config.mongoUri;
  if (!uri) {
    const dataDir = resolve(config.dataDir);
    mkdirSync(dataDir, { recursive: true });
    embedded = await startEmbeddedMongo({ port: 0, host: '127.0.0.1', dataDir });
    uri = embedded.uri;
  }
  const store = new MongoTraceStore({ uri, dbName: config.mongoDb, retentionMs: config.retentionMs, serverSelectionTimeoutMs: config.storeTimeoutMs });
  const started = Date.now();
  const line = (p: RebuildProgress): string =>
    `stats:rebuild ${p.phase}: ${p.spans} spans in ${p.traces} traces read, ${p.buckets} buckets, ${((Date.now() - started) / 1000).toFixed(1)} s`;
  try {
    const analytics = new ServiceAnalytics(store, { retentionMs: config.statsRetentionMs });
    const done = await rebuildRollups(store, analytics, {
      retentionMs: config.statsRetentionMs,
      // One line, rewritten in place; the last one is written with its newline below.
      onProgress: (p) => {
        if (p.phase !== 'done') process.stderr.write(`\r${line(p)}`);
      },
    });
    process.stderr.write(`\r${line(done)}\n`);
  } finally {
    await store.close();
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`\nstats:rebuild failed: ${error instanceof ConfigError ? error.message : (error as Error).stack ?? String(error)}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
