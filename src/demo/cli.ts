/**
 * `npm run demo`: continuous e-commerce traffic into a gateway, through the public submitSpans mutation.
 * Without --url it starts its own gateway (embedded store, in memory) first and prints where to open it.
 * Exits 0 when every generated span was stored, 1 when some were rejected, failed or dropped, 2 on bad arguments.
 */
import { log } from '../log';
import { parseDemoArgs, DEMO_USAGE, type DemoArgs } from './args';
import { SpanSubmitter } from './client';
import { TrafficFeeder, type FeedStats } from './feeder';
import { keepAliveAgent } from './http';
import { startLocalGateway, type LocalGateway } from './local-gateway';
import { progressLine } from './progress';

const PROGRESS_EVERY_MS = 1_000;
const PROGRESS_EVERY_MS_NO_TTY = 5_000;
const logger = log.child('demo');

async function main(): Promise<number> {
  let args: DemoArgs;
  try {
    args = parseDemoArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  if (process.argv.includes('--help')) {
    process.stdout.write(`${DEMO_USAGE}\n`);
    return 0;
  }

  let local: LocalGateway | undefined;
  let url = args.url;
  if (!url) {
    local = await startLocalGateway({ port: args.port });
    url = local.url;
  }
  const origin = new URL(url).origin;
  process.stdout.write(
    `Tracegate demo: ${args.rate} traces/s in batches of up to ${args.batch} spans (seed ${args.seed}) into ${url}\n` +
      `Open ${origin}/ or POST GraphQL to ${url}, e.g. { traces(first: 5) { nodes { id status durationUs spans { service { name } operation } } } }\n` +
      (local ? `Store: embedded, in memory (${local.storeUri}); data is gone when the demo stops.\n` : '') +
      `Ctrl-C to stop${args.durationSec ? ` (stops by itself after ${args.durationSec} s)` : ''}.\n`,
  );

  const agent = keepAliveAgent(args.concurrency);
  let feeder: TrafficFeeder | undefined;
  const submitter = new SpanSubmitter({ url, agent, onRetry: () => feeder?.countRetry() });
  let lastFailure = '';
  feeder = new TrafficFeeder(submitter, {
    rate: args.rate,
    batch: args.batch,
    seed: args.seed,
    concurrency: args.concurrency,
    onBatchFailed: (o, spans) => {
      const text = `${o.code}: ${o.message}`;
      if (text !== lastFailure) logger.warn('batch failed after retries', { spans, code: o.code, message: o.message, attempts: o.attempts });
      lastFailure = text;
    },
  });

  const tty = process.stdout.isTTY === true;
  let previous: FeedStats | undefined;
  const show = (): void => {
    const now = feeder!.stats();
    const line = progressLine(now, previous);
    previous = now;
    process.stdout.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
  feeder.start();
  const ticker = setInterval(show, tty ? PROGRESS_EVERY_MS : PROGRESS_EVERY_MS_NO_TTY);

  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (args.durationSec) setTimeout(done, args.durationSec * 1000).unref();
  });

  clearInterval(ticker);
  const final = await feeder.stop();
  agent.destroy();
  if (tty) process.stdout.write('\n');
  const lost = final.rejected + final.failed + final.dropped;
  process.stdout.write(
    `Done: ${final.traces} traces, ${final.spansGenerated} spans generated, ${final.accepted} stored, ${final.duplicates} duplicates, ` +
      `${final.rejected} rejected, ${final.failed} failed after retries, ${final.dropped} dropped (queue full), ${final.retries} retries ` +
      `in ${(final.elapsedMs / 1000).toFixed(1)} s.\n`,
  );
  await local?.stop();
  return lost === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    logger.error('demo failed', { error: e as Error });
    process.exit(1);
  },
);
