/** Connection-level commands: the handshake the driver runs on connect, and session / diagnostics no-ops. */
import { randomBytes } from 'node:crypto';
import { Binary, Long, type Document } from 'bson';
import { MAX_BSON_OBJECT_SIZE, MAX_MESSAGE_SIZE_BYTES, MAX_WIRE_VERSION, MAX_WRITE_BATCH_SIZE, MIN_WIRE_VERSION } from '../wire';
import type { CommandContext, CommandHandler } from './context';

/** The MongoDB release whose behaviour this store imitates (matches MAX_WIRE_VERSION). */
export const SERVER_VERSION = '7.0.0';
/** Sessions expire after this many idle minutes (drivers need a value to use sessions and retryable writes). */
export const LOGICAL_SESSION_TIMEOUT_MINUTES = 30;

/**
 * hello answers like the primary of a one-member replica set named `setName`: drivers then allow change streams
 * (`watch()`), retryable writes and sessions, which a standalone would not get. The store's URI carries
 * `directConnection=true` so the driver does not try to discover other members.
 */
function hello(legacyName: boolean): CommandHandler {
  return (_command, context) => {
    const { server, engine } = context;
    const opTime = { ts: engine.latestTimestamp, t: Long.fromNumber(1) };
    const now = new Date();
    return {
      ...(legacyName ? { ismaster: true } : { isWritablePrimary: true }),
      helloOk: true,
      hosts: [server.address],
      setName: server.setName,
      setVersion: 1,
      primary: server.address,
      me: server.address,
      secondary: false,
      electionId: server.electionId,
      lastWrite: { opTime, lastWriteDate: now, majorityOpTime: opTime, majorityWriteDate: now },
      maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
      maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
      maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
      localTime: now,
      logicalSessionTimeoutMinutes: LOGICAL_SESSION_TIMEOUT_MINUTES,
      connectionId: context.connection.id,
      minWireVersion: MIN_WIRE_VERSION,
      maxWireVersion: MAX_WIRE_VERSION,
      readOnly: false,
    };
  };
}

const buildInfo: CommandHandler = () => ({
  version: SERVER_VERSION,
  gitVersion: 'tracegate-embedded',
  versionArray: SERVER_VERSION.split('.').map(Number).concat(0),
  bits: 64,
  debug: false,
  maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
  storageEngines: ['tracegate-embedded'],
  modules: [],
});

/** Parameters a driver or tool may ask for; others are answered as absent, like mongod ("no option found"). */
const PARAMETERS: Record<string, () => unknown> = {
  featureCompatibilityVersion: () => ({ version: '7.0' }),
  authenticationMechanisms: () => [],
  maxBSONDepth: () => 100,
};

const getParameter: CommandHandler = (command) => {
  const reply: Document = {};
  const all = command.getParameter === '*';
  for (const [name, value] of Object.entries(PARAMETERS)) if (all || command[name] !== undefined) reply[name] = value();
  return reply;
};

const ok: CommandHandler = () => ({});

function serverStatus(_command: Document, context: CommandContext): Document {
  return {
    host: context.server.address,
    version: SERVER_VERSION,
    process: 'tracegate-embedded',
    pid: Long.fromNumber(process.pid),
    uptime: Math.floor((Date.now() - context.server.startedAt.getTime()) / 1000),
    localTime: new Date(),
    connections: { current: 0 },
    metrics: { cursor: { open: { total: context.cursors.size } } },
  };
}

export const handshakeCommands: Record<string, CommandHandler> = {
  hello: hello(false),
  isMaster: hello(true),
  ismaster: hello(true),
  ping: ok,
  buildInfo,
  buildinfo: buildInfo,
  getParameter,
  endSessions: ok,
  killSessions: ok,
  refreshSessions: ok,
  killAllSessions: ok,
  startSession: () => ({ id: { id: new Binary(randomBytes(16), Binary.SUBTYPE_UUID) }, timeoutMinutes: LOGICAL_SESSION_TIMEOUT_MINUTES }),
  whatsmyuri: (_c, context) => ({ you: context.connection.remoteAddress }),
  connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] } }),
  hostInfo: () => ({ system: { currentTime: new Date(), hostname: 'localhost', cpuArch: process.arch }, os: { type: process.platform } }),
  serverStatus,
  getCmdLineOpts: () => ({ argv: ['tracegate-embedded'], parsed: {} }),
  getLog: () => ({ totalLinesWritten: 0, log: [] }),
};
