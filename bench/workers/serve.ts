/**
 * The worker side of harness/child.ts: start something, report ready, then answer commands until `stop`.
 * Every worker also answers `figures` (CPU and memory of its own process, after a full GC when asked).
 */
import type { ProcessFigures, WorkerMessage, WorkerRequest } from './protocol';

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

function figures(collect: boolean): ProcessFigures {
  if (collect && typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return { cpuUs: cpu.user + cpu.system, heapUsedBytes: mem.heapUsed, rssBytes: mem.rss };
}
