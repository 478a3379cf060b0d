/**
 * Standalone store: `npm run store -- --data-dir ./data` listens on the Unix socket `./data/store.sock` (owner
 * only); `--socket PATH` names another socket; `--port N [--host ADDR]` listens on TCP instead (only when asked:
 * TCP has no authentication). Other flags: `--ttl-sweep-ms N`, `--cursor-timeout-ms N`.
 * Prints the mongodb:// URI on stdout; SIGINT / SIGTERM stop it cleanly.
 */
import { join, resolve } from 'node:path';
import { parseArgs as parseCommandLine } from 'node:util';
import { log } from '../log';
import { startEmbeddedMongo, type EmbeddedMongoOptions } from './store';

const USAGE = 'usage: store [--data-dir DIR] [--socket PATH | --port N [--host ADDR]] [--ttl-sweep-ms N] [--cursor-timeout-ms N]';

export function parseArgs(argv: readonly string[]): EmbeddedMongoOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    const message = (err as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    throw new UsageError(`${unknown ? `unknown option '${unknown[1]}'` : message}\n${USAGE}`);
  }
  const { values } = parsed;
  if (values.help) throw new UsageError(USAGE);
  const options: EmbeddedMongoOptions = {};
  const dataDir = values['data-dir'];
  if (dataDir !== undefined) options.dataDir = dataDir;
  if (values.port !== undefined && values.socket !== undefined) throw new UsageError(`give --port (TCP) or --socket (Unix socket), not both\n${USAGE}`);
  if (values.port !== undefined) {
    options.port = integer('--port', values.port);
    if (values.host !== undefined) options.host = values.host;
  } else if (values.host !== undefined) {
    throw new UsageError(`--host needs --port (TCP)\n${USAGE}`);
  } else if (values.socket !== undefined) {
    options.socketPath = values.socket;
  } else if (dataDir !== undefined) {
    options.socketPath = join(resolve(dataDir), 'store.sock');
  } else {
    throw new UsageError(`nothing to listen on: give --data-dir DIR (Unix socket DIR/store.sock), --socket PATH, or --port N (TCP)\n${USAGE}`);
  }
  if (values['ttl-sweep-ms'] !== undefined) options.ttlSweepMs = integer('--ttl-sweep-ms', values['ttl-sweep-ms']);
  if (values['cursor-timeout-ms'] !== undefined) options.cursorTimeoutMs = integer('--cursor-timeout-ms', values['cursor-timeout-ms']);
  return options;
}

function parse(argv: readonly string[]) {
  return parseCommandLine({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      socket: { type: 'string' },
      'ttl-sweep-ms': { type: 'string' },
      'cursor-timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

export class UsageError extends Error {}

function integer(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new UsageError(`${flag} expects a non-negative integer, got '${value}'`);
  return n;
}

async function main(): Promise<void> {
  let options: EmbeddedMongoOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const store = await startEmbeddedMongo(options);
  process.stdout.write(`${store.uri}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('stopping embedded store', { signal });
    store.stop().then(
      () => process.exit(0),
      (err) => {
        log.error('embedded store did not stop cleanly', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((err) => {
    log.error('embedded store failed to start', { err });
    process.exit(1);
  });
}
