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

/** GC pauses of a worker's process since it was asked to watch them (`gcWatch`), and its heap now (`gcFigures`). */
export interface GcFigures {
  /** Every pause (scavenges, mark-compacts, incremental marking steps): count, sum and largest, ms of wall time. */
  pauses: number;
  pauseSumMs: number;
  pauseMaxMs: number;
  /** Mark-compacts (full collections of the old generation). */
  majors: number;
  majorMaxMs: number;
  heapUsedBytes: number;
  oldSpaceUsedBytes: number;
}
