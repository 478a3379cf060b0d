/**
 * Standalone store: `npm run store -- --port 27017 --data-dir ./data [--host 127.0.0.1] [--ttl-sweep-ms N]
 * [--compact-after-bytes N]`.
 * Prints the mongodb:// URI on stdout; SIGINT / SIGTERM stop it cleanly.
 */
import { log } from '../log';
import { defaultPlugins } from './plugins';
import { startEmbeddedMongo, type EmbeddedMongoOptions } from './store';

const USAGE = 'usage: store [--port N] [--host ADDR] [--data-dir DIR] [--ttl-sweep-ms N] [--cursor-timeout-ms N] [--compact-after-bytes N]';

export function parseArgs(argv: readonly string[]): EmbeddedMongoOptions {
  const options: EmbeddedMongoOptions = { port: 27017 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') throw new UsageError(USAGE);
    if (value === undefined) throw new UsageError(`${flag} expects a value\n${USAGE}`);
    i += 1;
    switch (flag) {
      case '--port':
        options.port = integer(flag, value);
        break;
      case '--host':
        options.host = value;
        break;
      case '--data-dir':
        options.dataDir = value;
        break;
      case '--ttl-sweep-ms':
        options.ttlSweepMs = integer(flag, value);
        break;
      case '--cursor-timeout-ms':
        options.cursorTimeoutMs = integer(flag, value);
        break;
      case '--compact-after-bytes':
        options.plugins = defaultPlugins({ compactAfterBytes: integer(flag, value) });
        break;
      default:
        throw new UsageError(`unknown option '${flag}'\n${USAGE}`);
    }
  }
  return options;
}

export class UsageError extends Error {}

function integer(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} expects a non-negative integer, got '${value}'`);
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
