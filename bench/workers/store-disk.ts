/**
 * Worker: the embedded store with a data directory (the default store of `npm start`), on an ephemeral loopback
 * port. Besides `figures` it answers `memory`: the peak resident set sampled every 100 ms since start (or since
 * the last `memory` call with `reset`), split into anonymous memory (heap and native allocations) and file-backed
 * pages (LMDB's memory map, i.e. page cache), from /proc/self/status.
 */
import { readFileSync } from 'node:fs';
import { startEmbeddedMongo } from '../../src/embedded-mongo';
import { serveWorker } from './serve';

export interface StoreDiskReady {
  uri: string;
}

export interface MemoryPeak {
  rssBytes: number;
  rssAnonBytes: number;
  rssFileBytes: number;
}

serveWorker(async (args) => {
  const dataDir = String(args.dataDir);
  const store = await startEmbeddedMongo({ port: 0, dataDir });
  let peak: MemoryPeak = sample();
  const timer = setInterval(() => {
    const now = sample();
    if (now.rssBytes > peak.rssBytes) peak = now;
  }, 100);
  timer.unref();
  const info: StoreDiskReady = { uri: store.uri };
  return {
    info,
    handlers: {
      memory: (a) => {
        const out = peak;
        if ((a as { reset?: boolean } | undefined)?.reset) peak = sample();
        return out;
      },
    },
    stop: async () => {
      clearInterval(timer);
      await store.stop();
    },
  };
});

function sample(): MemoryPeak {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rssBytes: kb('VmRSS'), rssAnonBytes: kb('RssAnon'), rssFileBytes: kb('RssFile') + kb('RssShmem') };
}
