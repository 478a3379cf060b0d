/**
 * The wire layer over raw sockets (embedded store only: these frames are hand-built): framing across split and
 * coalesced packets, OP_MSG sections / checksum / moreToCome, legacy OP_QUERY, and malformed frames, which must end
 * only the offending connection.
 */
import { connect, type Socket } from 'node:net';
import { Binary, deserialize, Long, serialize, type Document } from 'bson';
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded-mongo';
import { crc32c, FrameDecoder, OpCode, OpMsgFlag, ProtocolError } from '../../src/embedded-mongo/wire';

let store: EmbeddedMongo;
beforeAll(async () => {
  store = await startEmbeddedMongo({ port: 0 });
});
afterAll(() => store.stop());

let nextRequestId = 1;

function header(length: number, requestId: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(0, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

function opMsg(body: Document, options: { flags?: number; sequences?: Record<string, Document[]>; checksum?: 'valid' | 'bad' } = {}): Buffer {
  let flags = options.flags ?? 0;
  if (options.checksum) flags |= OpMsgFlag.CHECKSUM_PRESENT;
  const parts: Buffer[] = [Buffer.from([0]), Buffer.from(serialize(body))];
  for (const [name, docs] of Object.entries(options.sequences ?? {})) {
    const payload = Buffer.concat([Buffer.from(name + '\0'), ...docs.map((d) => Buffer.from(serialize(d)))]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(payload.length + 4);
    parts.push(Buffer.from([1]), size, payload);
  }
  const flagBuf = Buffer.alloc(4);
  flagBuf.writeUInt32LE(flags >>> 0);
  const bodyBytes = Buffer.concat([flagBuf, ...parts]);
  const length = 16 + bodyBytes.length + (options.checksum ? 4 : 0);
  const frame = Buffer.concat([header(length, nextRequestId++, OpCode.MSG), bodyBytes]);
  if (!options.checksum) return frame;
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(options.checksum === 'valid' ? crc32c(frame) : (crc32c(frame) ^ 1) >>> 0);
  return Buffer.concat([frame, crc]);
}

function opQuery(collection: string, query: Document): Buffer {
  const rest = Buffer.concat([Buffer.alloc(4), Buffer.from(collection + '\0'), Buffer.alloc(4), Buffer.from([255, 255, 255, 255]), Buffer.from(serialize(query))]);
  return Buffer.concat([header(16 + rest.length, nextRequestId++, OpCode.QUERY), rest]);
}

interface Reply {
  opCode: number;
  responseTo: number;
  doc: Document;
  flags: number;
}

/** A raw client: collects replies; `closed` resolves when the server ends the socket. */
class RawClient {
  readonly replies: Reply[] = [];
  readonly closed: Promise<void>;
  private readonly decoder = new FrameDecoder();
  private waiters: Array<() => void> = [];
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      for (const frame of this.decoder.push(chunk)) {
        const opCode = frame.readInt32LE(12);
        const responseTo = frame.readInt32LE(8);
        const flags = frame.readInt32LE(16);
        const docStart = opCode === OpCode.MSG ? 21 : 36;
        this.replies.push({ opCode, responseTo, flags, doc: deserialize(frame.subarray(docStart)) });
      }
      this.waiters.splice(0).forEach((w) => w());
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Waits (bounded) until `n` replies arrived. */
  async waitFor(n: number): Promise<Reply[]> {
    const deadline = Date.now() + 5000;
    while (this.replies.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} replies, got ${this.replies.length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return this.replies.slice(0, n);
  }

  close(): void {
    this.socket.destroy();
  }
}

async function withClient<T>(fn: (c: RawClient) => Promise<T>): Promise<T> {
  const c = await RawClient.open(store.port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

test('OP_MSG ping', async () => {
  await withClient(async (c) => {
    const frame = opMsg({ ping: 1, $db: 'admin' });
    c.socket.write(frame);
    const [reply] = await c.waitFor(1);
    expect(reply!.opCode).toBe(OpCode.MSG);
    expect(reply!.responseTo).toBe(frame.readInt32LE(4));
    expect(reply!.doc.ok).toBe(1);
  });
});

test('a message split into single bytes is reassembled', async () => {
  await withClient(async (c) => {
    const frame = opMsg({ ping: 1, $db: 'admin' });
    for (const byte of frame) {
      c.socket.write(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    const [reply] = await c.waitFor(1);
    expect(reply!.doc.ok).toBe(1);
  });
});

test('coalesced messages are answered in order', async () => {
  await withClient(async (c) => {
    const frames = [opMsg({ ping: 1, $db: 'admin' }), opMsg({ buildInfo: 1, $db: 'admin' }), opMsg({ nope: 1, $db: 'admin' })];
    c.socket.write(Buffer.concat(frames));
    const replies = await c.waitFor(3);
    expect(replies.map((r) => r.responseTo)).toEqual(frames.map((f) => f.readInt32LE(4)));
    expect(replies[1]!.doc.version).toEqual(expect.any(String));
    expect(replies[2]!.doc).toMatchObject({ ok: 0, code: 59 });
  });
});

test('kind-1 document sequences become the command array; checksums are verified', async () => {
  await withClient(async (c) => {
    c.socket.write(opMsg({ insert: 'seq', $db: 'wire' }, { sequences: { documents: [{ _id: 1 }, { _id: 2 }] }, checksum: 'valid' }));
    const [reply] = await c.waitFor(1);
    expect(reply!.doc).toMatchObject({ ok: 1, n: 2 });
  });
  await withClient(async (c) => {
    c.socket.write(opMsg({ ping: 1, $db: 'admin' }, { checksum: 'bad' }));
    await c.closed;
    expect(c.replies).toHaveLength(0);
  });
});

test('moreToCome: no reply, but the write happens', async () => {
  await withClient(async (c) => {
    c.socket.write(opMsg({ insert: 'fire', documents: [{ _id: 'f' }], $db: 'wire' }, { flags: OpMsgFlag.MORE_TO_COME }));
    c.socket.write(opMsg({ find: 'fire', filter: {}, $db: 'wire' }));
    const replies = await c.waitFor(1);
    expect(replies[0]!.doc.cursor.firstBatch).toEqual([{ _id: 'f' }]);
    // Replies come in order on one connection: once a later ping is answered, nothing else is coming for the insert.
    c.socket.write(opMsg({ ping: 1, $db: 'admin' }));
    const [, ping] = await c.waitFor(2);
    expect(ping!.doc).toMatchObject({ ok: 1 });
    expect(c.replies).toHaveLength(2);
  });
});

test('legacy OP_QUERY hello gets an OP_REPLY; other OP_QUERY commands are refused', async () => {
  await withClient(async (c) => {
    c.socket.write(opQuery('admin.$cmd', { isMaster: 1 }));
    c.socket.write(opQuery('admin.$cmd', { ping: 1 }));
    const [hello, ping] = await c.waitFor(2);
    expect(hello!.opCode).toBe(OpCode.REPLY);
    expect(hello!.doc).toMatchObject({ ok: 1, ismaster: true });
    expect(ping!.doc).toMatchObject({ ok: 0, code: 352 });
    expect(ping!.flags & 2).toBe(2);
  });
});

test('an invalid database name answers InvalidNamespace (73)', async () => {
  await withClient(async (c) => {
    c.socket.write(opMsg({ insert: 'x', documents: [{}], $db: 'bad name' }));
    const [reply] = await c.waitFor(1);
    expect(reply!.doc).toMatchObject({ ok: 0, code: 73, codeName: 'InvalidNamespace' });
  });
});

test('a retried write (same lsid and txnNumber) runs once and gets the first reply again', async () => {
  const lsid = { id: new Binary(Buffer.alloc(16, 7), Binary.SUBTYPE_UUID) };
  const write = (txnNumber: number) => opMsg({ insert: 'retry', documents: [{ _id: 'r' }], lsid, txnNumber: Long.fromNumber(txnNumber), $db: 'wire' });
  await withClient(async (c) => {
    c.socket.write(write(1));
    c.socket.write(write(1));
    c.socket.write(write(2));
    c.socket.write(opMsg({ count: 'retry', $db: 'wire' }));
    const [first, retry, next, count] = await c.waitFor(4);
    expect(first!.doc).toMatchObject({ ok: 1, n: 1 });
    expect(retry!.doc).toMatchObject({ ok: 1, n: 1 });
    expect(next!.doc.writeErrors[0].code).toBe(11000);
    expect(count!.doc.n).toBe(1);
  });
});

describe('malformed frames close only their connection', () => {
  const cases: Array<[string, () => Buffer]> = [
    ['length below the header size', () => Buffer.from([10, 0, 0, 0, 1, 2, 3, 4, 5, 6])],
    ['length above 48 MB', () => header(49_000_000, 1, OpCode.MSG)],
    ['unknown opcode', () => Buffer.concat([header(20, 1, 9999), Buffer.alloc(4)])],
    ['BSON size beyond the frame', () => {
      const frame = opMsg({ ping: 1, $db: 'admin' });
      frame.writeInt32LE(1000, 21);
      return frame;
    }],
    ['corrupt BSON element', () => {
      const frame = opMsg({ ping: 1, $db: 'admin' });
      frame[25] = 0x7e; // element type byte of the first field: no such BSON type
      return frame;
    }],
    ['an inserted document that is not valid BSON (string not UTF-8)', () => {
      const frame = opMsg({ insert: 'bad', $db: 'wire_test' }, { sequences: { documents: [{ _id: 1, s: 'valid text' }] } });
      frame[frame.indexOf('valid text')] = 0xff;
      return frame;
    }],
    ['an inserted document (in the body) whose element runs past it', () => {
      const frame = opMsg({ insert: 'bad', documents: [{ _id: 1, s: 'valid text' }], $db: 'wire_test' });
      frame.writeInt32LE(1000, frame.indexOf('valid text') - 4);
      return frame;
    }],
    ['unknown required flag bit', () => opMsg({ ping: 1, $db: 'admin' }, { flags: 1 << 5 })],
    ['unknown section kind', () => {
      const frame = opMsg({ ping: 1, $db: 'admin' });
      frame[20] = 7;
      return frame;
    }],
  ];

  test.each(cases)('%s', async (_name, make) => {
    const bystander = await RawClient.open(store.port);
    try {
      await withClient(async (bad) => {
        bad.socket.write(make());
        await bad.closed;
        expect(bad.replies).toHaveLength(0);
      });
      bystander.socket.write(opMsg({ ping: 1, $db: 'admin' }));
      const [reply] = await bystander.waitFor(1);
      expect(reply!.doc.ok).toBe(1);
    } finally {
      bystander.close();
    }
  });

  test('the driver keeps working after another connection sent garbage', async () => {
    const client = await MongoClient.connect(store.uri);
    try {
      await withClient(async (bad) => {
        bad.socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
        await bad.closed;
      });
      expect((await client.db('admin').command({ ping: 1 })).ok).toBe(1);
    } finally {
      await client.close();
    }
  });
});

describe('FrameDecoder', () => {
  test('holds partial data and refuses impossible lengths', () => {
    const d = new FrameDecoder(1024);
    const frame = opMsg({ ping: 1 });
    expect(d.push(frame.subarray(0, 3))).toEqual([]);
    expect(d.push(frame.subarray(3, 20))).toEqual([]);
    const out = d.push(Buffer.concat([frame.subarray(20), frame]));
    expect(out).toHaveLength(2);
    expect(out[0]!.equals(frame)).toBe(true);
    expect(d.pendingBytes).toBe(0);
    expect(() => d.push(header(2048, 1, OpCode.MSG))).toThrow(ProtocolError);
  });
});

test('crc32c matches the standard check value', () => {
  expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
});
