/** Messages between the benchmark parent and a worker process (over Node's IPC channel). */
export interface WorkerRequest {
  type: 'call';
  id: number;
  command: string;
  args?: unknown;
}

export type WorkerMessage =
  | { type: 'ready'; info: unknown }
  | { type: 'failed'; error: string }
  | { type: 'reply'; id: number; result?: unknown; error?: string };

/** What every worker can report about its own process. */
export interface ProcessFigures {
  /** process.cpuUsage() user + system, microseconds. */
  cpuUs: number;
  heapUsedBytes: number;
  rssBytes: number;
}
