/**
 * `startEmbeddedMongo`: engine (LMDB) + cursors + commands + TCP listener (+ plugins) in this process.
 * Lifecycle: 'starting' -> 'running' -> 'stopping' -> 'stopped'.
 */
import { lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ObjectId } from 'bson';
import { log as rootLog, type Logger } from '../log';
import { CommandDispatcher, type CommandContext, type StoreExtensions } from './commands';
import { CursorRegistry, DEFAULT_CURSOR_TIMEOUT_MS } from './cursors';
import { Engine } from './engine';
import { defaultPlugins, type StoreInternals, type StorePlugin } from './plugins';
import { acquireDataDirLock, convertJournalFormat, hasJournalFormat, type DataDirLock } from './journal';
import { DEFAULT_TTL_SWEEP_MS, TtlMonitor } from './ttl';
import { BOUND_SOCKET_EXTRA_BYTES, WireServer } from './wire';

/** hello's `setName`: the store presents itself as the primary of this one-member replica set. */
export const DEFAULT_SET_NAME = 'tracegate';

export interface EmbeddedMongoOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1 (loopback only). */
  host?: string;
  /** Listen on this Unix domain socket (mode 0600, owner only) instead of TCP; its name must end in `.sock` (how
   *  the driver tells a socket path from a host name). */
  socketPath?: string;
  /** Data directory (the LMDB environment lives in `<dataDir>/lmdb`); absent: memory only. */
  dataDir?: string;
  /** TTL sweep period; default 60 000 ms like MongoDB. */
  ttlSweepMs?: number;
  /** Idle cursor timeout; default 10 minutes like MongoDB. */
  cursorTimeoutMs?: number;
  /** Replica set name reported by hello; default 'tracegate'. */
  setName?: string;
  /** Plugins to run; default `defaultPlugins()`. */
  plugins?: StorePlugin[];
  log?: Logger;
}

export type StorePhase = 'starting' | 'running' | 'stopping' | 'stopped';

export interface EmbeddedMongo {
  /** `mongodb://host:port/?directConnection=true` (or `mongodb://%2Fpath%2Fstore.sock/...` on a Unix socket):
   *  what the driver should connect to. */
  readonly uri: string;
  readonly host: string;
  readonly port: number;
  readonly engine: Engine;
  readonly cursors: CursorRegistry;
  readonly extensions: StoreExtensions;
  readonly ttl: TtlMonitor;
  readonly phase: StorePhase;
  /** Stops listening, closes connections and cursors, runs plugin stops; idempotent. */
  stop(): Promise<void>;
}

export async function startEmbeddedMongo(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  const ttlSweepMs = options.ttlSweepMs ?? DEFAULT_TTL_SWEEP_MS;
  const cursorTimeoutMs = options.cursorTimeoutMs ?? DEFAULT_CURSOR_TIMEOUT_MS;
  validatePositive('ttlSweepMs', ttlSweepMs);
  validatePositive('cursorTimeoutMs', cursorTimeoutMs);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be an integer 0-65535, got ${port}`);
  const log = (options.log ?? rootLog).child('embedded-mongo');
  const plugins = options.plugins ?? defaultPlugins();

  let lock: DataDirLock | undefined;
  if (options.dataDir !== undefined) {
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    // A directory written in the journal format is converted once, streaming, before the engine opens it.
    if (await hasJournalFormat(options.dataDir)) await convertJournalFormat(options.dataDir, log);
    lock = await acquireDataDirLock(options.dataDir);
  }
  let engine: Engine;
  try {
    engine = Engine.open(options.dataDir, log);
  } catch (err) {
    await lock?.release();
    throw err;
  }
  const cursors = new CursorRegistry(cursorTimeoutMs, log);
  const extensions: StoreExtensions = { firstStages: new Map() };
  const internals: StoreInternals = { engine, cursors, extensions, dataDir: options.dataDir, log };
  const stops: Array<() => Promise<void>> = [];
  const ttl = new TtlMonitor(engine, ttlSweepMs, log);
  let wire: WireServer | undefined;
  let phase: StorePhase = 'starting';

  const shutdown = async (): Promise<void> => {
    await ttl.stop();
    if (wire) await wire.close();
    if (wire && options.socketPath !== undefined) await unlink(options.socketPath).catch(() => undefined);
    cursors.closeAll();
    for (const stop of stops.reverse()) await stop();
    await engine.close();
    await lock?.release();
  };

  try {
    for (const plugin of plugins) {
      const stop = await plugin.start(internals);
      if (stop) stops.push(stop);
    }
    const server = { address: '', setName: options.setName ?? DEFAULT_SET_NAME, electionId: new ObjectId('7fffffff0000000000000001'), startedAt: new Date() };
    const makeContext = (db: string, connection: CommandContext['connection']): CommandContext => ({ engine, cursors, extensions, server, connection, db });
    const socketPath = options.socketPath;
    if (socketPath !== undefined) await prepareSocketPath(socketPath);
    wire = new WireServer(new CommandDispatcher(makeContext, log), log, { host, port, socketPath });
    const boundPort = await wire.listen();
    const uriHost = host.includes(':') ? `[${host}]` : host;
    server.address = socketPath ?? `${uriHost}:${boundPort}`;
    ttl.start();
    phase = 'running';
    const uri = `mongodb://${socketPath !== undefined ? encodeURIComponent(socketPath) : server.address}/?directConnection=true`;
    log.info('embedded MongoDB-compatible store listening', { uri, dataDir: options.dataDir ?? '(memory only)' });
    let stopping: Promise<void> | undefined;
    return {
      uri,
      host,
      port: boundPort,
      engine,
      cursors,
      extensions,
      ttl,
      get phase() {
        return phase;
      },
      stop() {
        if (!stopping) {
          phase = 'stopping';
          stopping = shutdown().finally(() => {
            phase = 'stopped';
          });
        }
        return stopping;
      },
    };
  } catch (err) {
    await shutdown().catch(() => undefined);
    throw err;
  }
}

/** Longest Unix socket path the kernel accepts (sun_path, Linux). */
const MAX_SOCKET_PATH_BYTES = 107;

// Private: a usable socket path: short enough, named *.sock, and a socket left by a dead store removed (the data
// directory lock is held, so no live store uses it).
async function prepareSocketPath(path: string): Promise<void> {
  if (!path.endsWith('.sock')) throw new Error(`socketPath must end in '.sock' (how the MongoDB driver recognises a socket), got '${path}'`);
  // The socket is bound in a private directory beside its path before it moves there (see WireServer.listen).
  const bytes = Math.max(Buffer.byteLength(path), Buffer.byteLength(dirname(path)) + BOUND_SOCKET_EXTRA_BYTES);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`socket path '${path}' needs ${bytes} bytes while it is bound, more than the ${MAX_SOCKET_PATH_BYTES} a Unix socket path may have; use a shorter data directory path`);
  }
  const existing = await lstat(path).catch(() => undefined);
  if (existing?.isSocket()) await unlink(path);
  else if (existing) throw new Error(`socket path '${path}' exists and is not a socket; refusing to replace it`);
}

function validatePositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
}
