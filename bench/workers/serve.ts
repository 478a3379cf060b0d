/**
 * The worker side of harness/child.ts: start something, report ready, then answer commands until `stop`.
 * Every worker also answers `figures` (CPU and memory of its own process, after a full GC when asked), and
 * `gcWatch` / `gcFigures` (GC pauses of its process since `gcWatch`, and its heap then).
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { GcFigures, ProcessFigures, WorkerMessage, WorkerRequest } from './protocol';

export type Handlers = Record<string, (args: unknown) => unknown | Promise<unknown>>;

export interface Started {
  info: unknown;
  handlers?: Handlers;
  stop(): Promise<void>;
}

export function serveWorker(start: (args: Record<string, unknown>) => Promise<Started>): void {
  const send = (m: WorkerMessage): void => {
    process.send?.(m);
  };
  const args = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
  start(args).then(
    (started) => {
      const handlers: Handlers = {
        figures: (a) => figures(Boolean((a as { gc?: boolean } | undefined)?.gc)),
        gcWatch: () => gcWatch.start(),
        gcFigures: () => gcWatch.figures(),
        ...started.handlers,
        stop: async () => {
          await started.stop();
          setImmediate(() => process.disconnect?.());
          return null;
        },
      };
      process.on('message', (req: WorkerRequest) => {
        const handler = handlers[req.command];
        if (!handler) {
          send({ type: 'reply', id: req.id, error: `unknown command ${req.command}; expected one of ${Object.keys(handlers).join(', ')}` });
          return;
        }
        Promise.resolve()
          .then(() => handler(req.args))
          .then(
            (result) => send({ type: 'reply', id: req.id, result }),
            (e: unknown) => send({ type: 'reply', id: req.id, error: e instanceof Error ? e.stack ?? e.message : String(e) }),
          );
      });
      send({ type: 'ready', info: started.info });
    },
    (e: unknown) => {
      send({ type: 'failed', error: e instanceof Error ? e.stack ?? e.message : String(e) });
      setImmediate(() => process.exit(1));
    },
  );
  // The parent went away: nothing left to serve.
  process.on('disconnect', () => setTimeout(() => process.exit(0), 50).unref());
}

/**
 * GC pauses as the process reports them (PerformanceObserver 'gc'): no timer and no sampling, so watching costs
 * nothing between collections. `start` (again) begins a new window.
 */
const gcWatch = {
  observer: null as PerformanceObserver | null,
  counts: emptyGc(),
  start(): null {
    this.counts = emptyGc();
    if (!this.observer) {
      this.observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) this.add(entry);
      });
      this.observer.observe({ entryTypes: ['gc'] });
    }
    return null;
  },
  add(entry: PerformanceEntry): void {
    const c = this.counts;
    c.pauses += 1;
    c.pauseSumMs += entry.duration;
    c.pauseMaxMs = Math.max(c.pauseMaxMs, entry.duration);
    if ((entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      c.majors += 1;
      c.majorMaxMs = Math.max(c.majorMaxMs, entry.duration);
    }
  },
  figures(): GcFigures {
    const old = getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
    return { ...this.counts, heapUsedBytes: getHeapStatistics().used_heap_size, oldSpaceUsedBytes: old?.space_used_size ?? 0 };
  },
};

function emptyGc(): Omit<GcFigures, 'heapUsedBytes' | 'oldSpaceUsedBytes'> {
  return { pauses: 0, pauseSumMs: 0, pauseMaxMs: 0, majors: 0, majorMaxMs: 0 };
}

function figures(collect: boolean): ProcessFigures {
  if (collect && typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return { cpuUs: cpu.user + cpu.system, heapUsedBytes: mem.heapUsed, rssBytes: mem.rss };
}
