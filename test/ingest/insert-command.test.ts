/**
 * Unordered inserts sent as the `insert` command (src/store/mongo/insert.ts), against the test store over the wire:
 * commands split within the limits with refusals by position across them, the write concern sent as configured,
 * a write-concern error in a reply failing the span insert as STORE_UNAVAILABLE, a command whose reply was lost
 * retried once as a retryable write (same lsid and txnNumber; STORE_UNAVAILABLE with retryWrites=false and against a
 * server that answers hello as a standalone, which has no retryable writes), and the span document's size bound
 * never below its BSON size.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { calculateObjectSize, deserialize, serialize, type Document } from 'bson';
import { Long, MongoClient, type CommandStartedEvent } from 'mongodb';
import { DEFAULT_INGEST_LIMITS, validateSpans, type SpanInputShape, type SpanRecord } from '../../src/domain';
import { ErrorCode, TracegateError } from '../../src/errors';
import { MongoTraceStore } from '../../src/store';
import { spanDocSizeBound, toSpanDoc, traceDocSizeBound, type SpanDoc, type TraceDoc } from '../../src/store/mongo/documents';
import { bsonSizeBound, insertUnordered } from '../../src/store/mongo/insert';
import { startTestMongo, type TestMongo } from '../helpers/mongo';

const TRACE = 'cd'.repeat(16);
const DAY_MS = 86_400_000;

function spanInput(i: number, extra: Partial<SpanInputShape> = {}): SpanInputShape {
  return {
    traceId: TRACE,
    spanId: (i + 1).toString(16).padStart(16, '0'),
    service: 'svc',
    operation: 'op',
    startTime: '2026-11-20T10:00:00Z',
    endTime: '2026-11-20T10:00:01Z',
    ...extra,
  };
}

describe('insert command', () => {
  let mongo: TestMongo;
  let client: MongoClient;
  const started: CommandStartedEvent[] = [];

  beforeAll(async () => {
    mongo = await startTestMongo();
    client = new MongoClient(mongo.uri, { monitorCommands: true, ignoreUndefined: true, writeConcern: { w: 1, wtimeoutMS: 5000, journal: true } });
    client.on('commandStarted', (e) => started.push(e));
    await client.connect();
  });
  afterAll(async () => {
    await client.close();
    await mongo.stop();
  });

  const inserts = (): CommandStartedEvent[] => started.filter((e) => e.commandName === 'insert');

  it('splits by count, reports every refusal by its position in the whole list, and stores all the others', async () => {
    const coll = client.db(mongo.dbName).collection<{ _id: string; n: number }>('count');
    await coll.insertMany([{ _id: 'd2', n: 0 }, { _id: 'd6', n: 0 }]);
    const docs = Array.from({ length: 8 }, (_, i) => ({ _id: `d${i}`, n: i + 1 }));
    started.length = 0;
    const refused = await insertUnordered(coll, docs, bsonSizeBound, { maxDocuments: 3, maxBytes: 16 * 1024 * 1024 });
    expect(inserts().map((e) => (e.command.documents as unknown[]).length)).toEqual([3, 3, 2]);
    expect(refused.map((r) => [r.index, r.code])).toEqual([
      [2, 11000],
      [6, 11000],
    ]);
    expect(refused[0]!.message).toMatch(/duplicate key/i);
    const stored = await coll.find({}, { sort: { _id: 1 } }).toArray();
    expect(stored.map((d) => [d._id, d.n])).toEqual([
      ['d0', 1],
      ['d1', 2],
      ['d2', 0],
      ['d3', 4],
      ['d4', 5],
      ['d5', 6],
      ['d6', 0],
      ['d7', 8],
    ]);
  });

  it('splits by size within the command limit, measuring exactly a document whose bound is over it', async () => {
    const coll = client.db(mongo.dbName).collection<{ _id: string; s: string }>('bytes');
    // 48 KiB of room after the command's own 16 KiB: two 12,000-character documents (bound ~36 KB each) go one
    // per command.
    const docs = [
      { _id: 'a', s: 'x'.repeat(12_000) },
      { _id: 'b', s: 'x'.repeat(12_000) },
      { _id: 'c', s: 'x'.repeat(20_000) },
      { _id: 'd', s: 'y' },
      { _id: 'e', s: 'z' },
    ];
    started.length = 0;
    const refused = await insertUnordered(coll, docs, bsonSizeBound, { maxDocuments: 1000, maxBytes: 64 * 1024 });
    expect(refused).toEqual([]);
    // 'c' has a bound of ~60 KB, over the room, and an exact size of ~20 KB: measured, it leaves room for the small ones.
    expect(inserts().map((e) => (e.command.documents as { _id: string }[]).map((d) => d._id))).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
    expect(await coll.countDocuments()).toBe(5);
  });

  it('sends the collection write concern with each command, as insertMany does', async () => {
    const coll = client.db(mongo.dbName).collection<{ _id: string }>('concern');
    started.length = 0;
    await coll.insertMany([{ _id: 'm' }]);
    await insertUnordered(coll, [{ _id: 'c' }]);
    const [viaDriver, viaCommand] = inserts();
    expect(viaCommand!.command.writeConcern).toEqual({ w: 1, wtimeout: 5000, j: true });
    expect(viaCommand!.command.writeConcern).toEqual(viaDriver!.command.writeConcern);
    expect(viaCommand!.command.ordered).toBe(false);
  });

  it('bounds a span document from above, whatever it holds', () => {
    const inputs: SpanInputShape[] = [
      spanInput(0),
      spanInput(1, {
        parentSpanId: 'f'.repeat(16),
        kind: 'CLIENT',
        status: 'ERROR',
        result: { status: 'ERROR', code: 'E42', message: 'ünïcødé ✓ 𝄞', data: { nested: [1, 'two', { three: 3 }], 'key.with.$': 'ok' } },
        attributes: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}.€`, value: i % 3 === 0 ? `v${'€'.repeat(i)}` : i % 3 === 1 ? i * 1.5 : [true, { x: 'é' }] })),
        metrics: [
          { name: 'rows', value: 12, unit: 'rows' },
          { name: 'bytes', value: 1e9 },
        ],
        events: [{ time: '2026-11-20T10:00:00.5Z', name: 'retry 🙂', attributes: [{ key: 'attempt', value: 2 }] }],
        links: [{ traceId: 'e'.repeat(32), spanId: 'e'.repeat(16), traceState: 'a=b', attributes: [{ key: 'why', value: 'fan-in' }] }],
      }),
    ];
    const { valid, rejected } = validateSpans(inputs, DEFAULT_INGEST_LIMITS, Date.UTC(2026, 10, 20, 10) * 1000);
    expect(rejected).toEqual([]);
    const docs: SpanDoc[] = valid.map((v) => toSpanDoc(v.record, new Date(), new Date()));
    docs[1]!.redactedCount = 3;
    for (const doc of docs) {
      const exact = calculateObjectSize(doc);
      expect(spanDocSizeBound(doc)).toBeGreaterThanOrEqual(exact);
      expect(bsonSizeBound(doc)).toBeGreaterThanOrEqual(exact);
    }
  });

  it('bounds a trace summary document from above, whatever it holds', () => {
    const summary: TraceDoc = {
      _id: TRACE,
      startUs: 1,
      endUs: 2e15,
      durationUs: 2e15 - 1,
      spanCount: 3,
      errorCount: 1,
      services: ['svc', 'sërvice-✓', '𝄞'.repeat(20)],
      svcOps: Array.from({ length: 30 }, (_, i) => ({ s: `svc${i % 3}`, o: `GET /€/${i}` })),
      attrs: Array.from({ length: 60 }, (_, i) => ({ k: `k${i}`, v: JSON.stringify('é'.repeat(i)) })),
      receivedAt: new Date(),
      expireAt: new Date(),
    };
    for (const doc of [summary, { ...summary, services: [], svcOps: [], attrs: [] }]) {
      expect(traceDocSizeBound(doc)).toBeGreaterThanOrEqual(calculateObjectSize(doc));
    }
  });

  describe('a write-concern error in the span insert reply', () => {
    let proxy: ReplyRewriter;
    let store: MongoTraceStore;

    beforeAll(async () => {
      const { hostname, port } = new URL(mongo.uri.replace(/^mongodb:/, 'http:'));
      proxy = await startReplyRewriter({ host: hostname, port: Number(port) });
      store = new MongoTraceStore({ uri: `mongodb://${proxy.hostPort}/?directConnection=true`, dbName: `${mongo.dbName}_wc`, retentionMs: DAY_MS });
    });
    afterAll(async () => {
      await store.close();
      await proxy.close();
    });

    it('fails the insert with STORE_UNAVAILABLE (the store counts as not writable); a re-send reports the stored spans as duplicates', async () => {
      const { valid } = validateSpans([spanInput(10), spanInput(11)], DEFAULT_INGEST_LIMITS, Date.UTC(2026, 10, 20, 10) * 1000);
      const records = valid.map((v) => v.record);
      proxy.failNextInsertWriteConcern();
      const failure = await store.insertSpans(records).then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(TracegateError);
      expect((failure as TracegateError).code).toBe(ErrorCode.STORE_UNAVAILABLE);
      expect(proxy.rewritten).toBe(1);
      expect(store.writesFailingNow).toBe(true);
      const again = await store.insertSpans(records);
      expect(again).toEqual({ inserted: [], duplicates: 2, failed: [] });
      expect(store.writesFailingNow).toBe(false);
    });
  });

  it('numbers its commands in the server session as the driver does: the next driver write continues the count', async () => {
    const coll = client.db(mongo.dbName).collection<{ _id: string }>('numbering');
    started.length = 0;
    expect(await insertUnordered(coll, [{ _id: 'a' }, { _id: 'b' }, { _id: 'c' }], bsonSizeBound, { maxDocuments: 2, maxBytes: 16 * 1024 * 1024 })).toEqual([]);
    await coll.insertOne({ _id: 'd' });
    const [first, second, driver] = inserts();
    const lsid = (e: CommandStartedEvent): string => JSON.stringify((e.command.lsid as { id: unknown }).id);
    const txn = (e: CommandStartedEvent): number => Long.fromValue(e.command.txnNumber as Long).toNumber();
    expect(first!.command.txnNumber).toBeDefined();
    // The driver's insertOne took the server session the insert released (the pool hands out the latest first).
    expect(new Set([lsid(first!), lsid(second!), lsid(driver!)]).size).toBe(1);
    expect([txn(second!) - txn(first!), txn(driver!) - txn(second!)]).toEqual([1, 1]);
  });

  describe('a reply lost after the store applied the insert', () => {
    let proxy: ReplyDropper;
    let direct: MongoClient;
    const viaProxy: CommandStartedEvent[] = [];

    beforeAll(async () => {
      const { hostname, port } = new URL(mongo.uri.replace(/^mongodb:/, 'http:'));
      proxy = await startReplyDropper({ host: hostname, port: Number(port) });
      direct = client;
    });
    afterAll(async () => {
      await proxy.close();
    });

    const proxyUri = (query: string): string => `mongodb://${proxy.hostPort}/?directConnection=true${query}`;

    it('is sent again with the same lsid and txnNumber, and every document counts as inserted, stored once', async () => {
      const through = new MongoClient(proxyUri(''), { monitorCommands: true });
      through.on('commandStarted', (e) => viaProxy.push(e));
      try {
        const coll = through.db(mongo.dbName).collection<{ _id: string; n: number }>('lost');
        await coll.db.command({ ping: 1 });
        viaProxy.length = 0;
        proxy.dropNextInsertReply();
        const refused = await insertUnordered(coll, [
          { _id: 'x', n: 1 },
          { _id: 'y', n: 2 },
        ]);
        expect(proxy.dropped).toBe(1);
        expect(refused).toEqual([]);
        const sent = viaProxy.filter((e) => e.commandName === 'insert');
        expect(sent).toHaveLength(2);
        expect(sent[1]!.command.lsid).toEqual(sent[0]!.command.lsid);
        expect(sent[1]!.command.txnNumber).toEqual(sent[0]!.command.txnNumber);
        const stored = await direct.db(mongo.dbName).collection('lost').find({}, { sort: { _id: 1 } }).toArray();
        expect(stored).toEqual([
          { _id: 'x', n: 1 },
          { _id: 'y', n: 2 },
        ]);
      } finally {
        await through.close();
      }
    });

    it('leaves the span insert reporting every span as newly stored', async () => {
      const store = new MongoTraceStore({ uri: proxyUri(''), dbName: `${mongo.dbName}_lost`, retentionMs: DAY_MS });
      try {
        await store.ping();
        const { valid } = validateSpans([spanInput(20), spanInput(21), spanInput(22)], DEFAULT_INGEST_LIMITS, Date.UTC(2026, 10, 20, 10) * 1000);
        const records = valid.map((v) => v.record);
        proxy.dropNextInsertReply();
        const outcome = await store.insertSpans(records);
        expect(proxy.dropped).toBe(2);
        expect(outcome.duplicates).toBe(0);
        expect(outcome.failed).toEqual([]);
        expect(outcome.inserted.map((s) => s.spanId).sort()).toEqual(records.map((r) => r.spanId).sort());
        expect(await direct.db(`${mongo.dbName}_lost`).collection('spans').countDocuments()).toBe(3);
      } finally {
        await store.close();
      }
    });

    it('fails the span insert with STORE_UNAVAILABLE when the client has retryWrites=false', async () => {
      const store = new MongoTraceStore({ uri: proxyUri('&retryWrites=false'), dbName: `${mongo.dbName}_noretry`, retentionMs: DAY_MS });
      try {
        const { records, failure } = await insertLosingReply(store, proxy, 30);
        expect(proxy.dropped).toBe(3);
        expect(failure).toBeInstanceOf(TracegateError);
        expect((failure as TracegateError).code).toBe(ErrorCode.STORE_UNAVAILABLE);
        // The lost attempt did store them: the client's re-send sees duplicates.
        expect(await store.insertSpans(records)).toEqual({ inserted: [], duplicates: 2, failed: [] });
      } finally {
        await store.close();
      }
    });

    it('fails the span insert with STORE_UNAVAILABLE against a standalone server (no retryable writes), sent once without a txnNumber', async () => {
      const { hostname, port } = new URL(mongo.uri.replace(/^mongodb:/, 'http:'));
      const standalone = await startReplyDropper({ host: hostname, port: Number(port) }, { standalone: true });
      const store = new MongoTraceStore({ uri: `mongodb://${standalone.hostPort}/?directConnection=true`, dbName: `${mongo.dbName}_standalone`, retentionMs: DAY_MS });
      try {
        const { records, failure } = await insertLosingReply(store, standalone, 40);
        expect(standalone.dropped).toBe(1);
        // The hello the insert path reads was answered as a standalone's.
        expect(standalone.hellosRewritten).toBeGreaterThan(0);
        expect(failure).toBeInstanceOf(TracegateError);
        expect((failure as TracegateError).code).toBe(ErrorCode.STORE_UNAVAILABLE);
        const spanInserts = standalone.inserts.filter((c) => c.insert === 'spans');
        expect(spanInserts).toHaveLength(1);
        expect(spanInserts[0]!.txnNumber).toBeUndefined();
        // The lost attempt did store them: the client's re-send sees duplicates.
        expect(await store.insertSpans(records)).toEqual({ inserted: [], duplicates: 2, failed: [] });
      } finally {
        await store.close();
        await standalone.close();
      }
    });
  });
});

// Private: two spans (ids from `first`) inserted by `store` through `dropper` with the insert's reply dropped: the
// records and what the insert threw (null when it did not).
async function insertLosingReply(store: MongoTraceStore, dropper: ReplyDropper, first: number): Promise<{ records: SpanRecord[]; failure: unknown }> {
  await store.ping();
  const { valid } = validateSpans([spanInput(first), spanInput(first + 1)], DEFAULT_INGEST_LIMITS, Date.UTC(2026, 10, 20, 10) * 1000);
  const records = valid.map((v) => v.record);
  dropper.dropNextInsertReply();
  const failure = await store.insertSpans(records).then(
    () => null,
    (error: unknown) => error,
  );
  return { records, failure };
}

interface ReplyDropper {
  hostPort: string;
  /** The next `insert` command reaches the store; once its reply is back, both connections close, the reply unsent. */
  dropNextInsertReply(): void;
  /** Replies dropped so far. */
  readonly dropped: number;
  /** The `insert` commands sent through the proxy, decoded. */
  readonly inserts: Document[];
  /** Replies to `hello` / `isMaster` rewritten as a standalone's (with `standalone`). */
  readonly hellosRewritten: number;
  close(): Promise<void>;
}

/** What a standalone's hello does not say: the replica set fields. */
const REPLICA_SET_FIELDS = ['setName', 'setVersion', 'hosts', 'primary', 'me', 'secondary', 'electionId', 'lastWrite', 'topologyVersion'];

// Private: a loopback proxy that, when armed, forwards the next insert command to the store, waits for its reply
// (so the insert was applied) and then closes the client's connection instead of forwarding it. With `standalone`,
// replies to OP_MSG `hello` / `isMaster` lose their replica set fields, as a standalone server's hello has none
// (logical sessions stay: a standalone has them too).
async function startReplyDropper(target: { host: string; port: number }, options: { standalone?: boolean } = {}): Promise<ReplyDropper> {
  let armed = false;
  let dropped = 0;
  let hellosRewritten = 0;
  const inserts: Document[] = [];
  const proxy = await startFrameProxy(target, (end) => {
    let held: number | null = null;
    const hellos = new Set<number>();
    return {
      fromClient: (frame) => {
        if (isInsertCommand(frame)) {
          inserts.push(deserialize(frame.subarray(21)) as Document);
          if (armed) {
            armed = false;
            held = frame.readInt32LE(4);
          }
        } else if (options.standalone && isHelloCommand(frame)) {
          hellos.add(frame.readInt32LE(4));
        }
        return frame;
      },
      fromStore: (frame) => {
        if (hellos.delete(frame.readInt32LE(8))) {
          hellosRewritten += 1;
          return rewriteReply(frame, (reply) => {
            for (const field of REPLICA_SET_FIELDS) delete reply[field];
          });
        }
        if (held === null || frame.readInt32LE(8) !== held) return frame;
        dropped += 1;
        end();
        return null;
      },
    };
  });
  return {
    hostPort: proxy.hostPort,
    dropNextInsertReply: () => {
      armed = true;
    },
    get dropped() {
      return dropped;
    },
    inserts,
    get hellosRewritten() {
      return hellosRewritten;
    },
    close: proxy.close,
  };
}

interface ReplyRewriter {
  hostPort: string;
  /** The reply to the next `insert` command gets a writeConcernError (as a replica set whose w timed out). */
  failNextInsertWriteConcern(): void;
  /** Replies rewritten so far. */
  readonly rewritten: number;
  close(): Promise<void>;
}

const OP_MSG = 2013;

// Private: a loopback proxy that, when armed, adds a writeConcernError to the reply of the next insert command (a
// server reports one with ok: 1, the documents written).
async function startReplyRewriter(target: { host: string; port: number }): Promise<ReplyRewriter> {
  let armed = false;
  let rewritten = 0;
  const proxy = await startFrameProxy(target, () => {
    const inserts = new Set<number>();
    return {
      fromClient: (frame) => {
        if (armed && isInsertCommand(frame)) {
          armed = false;
          inserts.add(frame.readInt32LE(4));
        }
        return frame;
      },
      fromStore: (frame) => {
        if (!inserts.delete(frame.readInt32LE(8))) return frame;
        rewritten += 1;
        return rewriteReply(frame, (reply) => {
          reply.writeConcernError = { code: 64, codeName: 'WriteConcernFailed', errmsg: 'waiting for replication timed out' };
        });
      },
    };
  });
  return {
    hostPort: proxy.hostPort,
    failNextInsertWriteConcern: () => {
      armed = true;
    },
    get rewritten() {
      return rewritten;
    },
    close: proxy.close,
  };
}

/** What a frame proxy does with each whole frame of one connection: the frame to forward, or null for none. */
interface FrameRelay {
  fromClient(frame: Buffer): Buffer | null;
  fromStore(frame: Buffer): Buffer | null;
}

// Private: a loopback proxy to `target` passing whole wire frames through `relay`, one relay per client connection
// (`end` closes both sides of that connection).
async function startFrameProxy(
  target: { host: string; port: number },
  relay: (end: () => void) => FrameRelay,
): Promise<{ hostPort: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    const frames = relay(end);
    framesOf(client, (frame) => {
      const out = frames.fromClient(frame);
      if (out) upstream.write(out);
    });
    framesOf(upstream, (frame) => {
      const out = frames.fromStore(frame);
      if (out) client.write(out);
    });
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    hostPort: `127.0.0.1:${address.port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// Private: an OP_MSG reply (one body section, no checksum) with its document changed by `edit`.
function rewriteReply(frame: Buffer, edit: (reply: Document) => void): Buffer {
  const reply = deserialize(frame.subarray(21)) as Document;
  edit(reply);
  const body = serialize(reply);
  const head = Buffer.alloc(21);
  frame.copy(head, 0, 0, 21);
  head.writeInt32LE(21 + body.length, 0);
  head.writeUInt32LE(0, 16);
  return Buffer.concat([head, body]);
}

// Private: whether `frame` is an OP_MSG whose body section holds a `hello` / `isMaster` command.
function isHelloCommand(frame: Buffer): boolean {
  if (frame.readInt32LE(12) !== OP_MSG || frame[20] !== 0) return false;
  const name = firstKey(frame.subarray(21));
  return name === 'hello' || name.toLowerCase() === 'ismaster';
}

// Private: whether `frame` is an OP_MSG whose body section holds an `insert` command.
function isInsertCommand(frame: Buffer): boolean {
  return frame.readInt32LE(12) === OP_MSG && frame[20] === 0 && firstKey(frame.subarray(21)) === 'insert';
}

// Private: whole wire frames (a little-endian int32 length first) as they arrive on `socket`.
function framesOf(socket: Socket, onFrame: (frame: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
      const length = pending.readInt32LE(0);
      onFrame(pending.subarray(0, length));
      pending = pending.subarray(length);
    }
  });
}

// Private: the first field name of the BSON document at the start of `bytes` (a command's name).
function firstKey(bytes: Buffer): string {
  const end = bytes.indexOf(0, 5);
  return bytes.toString('utf8', 5, end);
}
