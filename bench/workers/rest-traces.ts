/** Worker: P4's and P5's raw REST baseline (baselines/rest-traces.ts) on the store given by URI. */
import { startRestTraces, type RestReads } from '../baselines/rest-traces';
import { serveWorker } from './serve';

export interface RestTracesArgs {
  storeUri: string;
  dbName: string;
  reads?: RestReads;
}

export interface RestTracesReady {
  url: string;
}

serveWorker(async (raw) => {
  const args = raw as unknown as RestTracesArgs;
  const rest = await startRestTraces({ uri: args.storeUri, dbName: args.dbName, reads: args.reads });
  const info: RestTracesReady = { url: rest.url };
  return { info, stop: () => rest.stop() };
});
