/**
 * Stored BSON sent as it is: a reply whose cursor batch is `RawDocuments` must be byte for byte the reply the
 * decoded documents would give, and a top-level exclusion applied to the bytes must equal the decoded document
 * without those fields, for every BSON element type.
 */
import { Binary, BSONRegExp, BSONSymbol, Code, DBRef, Decimal128, deserialize, Double, Int32, Long, MaxKey, MinKey, ObjectId, serialize, Timestamp, type Document } from 'bson';
import { excludeFields, ID_NOT_READ, leadingId, pickFields, RawDocuments, serializeReply, topLevelExclusion, topLevelInclusion, validateBson } from '../../src/embedded-mongo/raw-bson';

const RAW = { promoteLongs: false, promoteValues: false, bsonRegExp: true } as const;

function everyType(): Document {
  return {
    _id: new ObjectId('650000000000000000000001'),
    double: new Double(1.5),
    string: 'héllo',
    doc: { a: 1, b: [1, 2] },
    array: [1, 'x', { y: null }],
    binary: new Binary(Buffer.from([1, 2, 3]), 4),
    oid: new ObjectId(),
    bool: true,
    date: new Date(1_700_000_000_000),
    null: null,
    regex: new BSONRegExp('a.c', 'i'),
    dbref: new DBRef('coll', new ObjectId('650000000000000000000002')),
    code: new Code('function () {}'),
    symbol: new BSONSymbol('sym'),
    codeWithScope: new Code('x', { x: 1 }),
    int32: new Int32(7),
    timestamp: new Timestamp({ t: 5, i: 6 }),
    int64: Long.fromString('9007199254740993'),
    decimal: Decimal128.fromString('1.25'),
    min: new MinKey(),
    max: new MaxKey(),
    last: 'end',
  };
}

test('excluding top-level fields from the bytes equals excluding them from the decoded document, for every type', () => {
  const doc = everyType();
  const bytes = serialize(doc);
  for (const field of Object.keys(doc)) {
    const { [field]: _dropped, ...rest } = doc;
    expect(deserialize(excludeFields(bytes, new Set([field])), RAW)).toEqual(deserialize(serialize(rest), RAW));
  }
  expect(deserialize(excludeFields(bytes, new Set(['doc', 'int64', 'max'])), RAW)).toEqual(
    deserialize(serialize(Object.fromEntries(Object.entries(doc).filter(([k]) => !['doc', 'int64', 'max'].includes(k)))), RAW),
  );
  // Nothing to exclude: the very same bytes.
  expect(excludeFields(bytes, new Set(['absent']))).toBe(bytes);
});

test('only top-level exclusions are applied to bytes', () => {
  expect(topLevelExclusion({ expireAt: 0, b: false })).toEqual(new Set(['expireAt', 'b']));
  expect(topLevelExclusion({ a: 1 })).toBeUndefined();
  expect(topLevelExclusion({ 'a.b': 0 })).toBeUndefined();
  expect(topLevelExclusion({ a: 0, b: 1 })).toBeUndefined();
  expect(topLevelExclusion({})).toBeUndefined();
  expect(topLevelExclusion(undefined)).toBeUndefined();
});

test('keeping top-level fields of the bytes equals keeping them in the decoded document, in its order, for every type', () => {
  const doc = everyType();
  const bytes = serialize(doc);
  for (const projection of [{ int64: 1, doc: true }, { _id: 0, last: 1, string: 1 }, { _id: 1 }, { absent: 1 }]) {
    const kept = topLevelInclusion(projection)!;
    const expected = Object.fromEntries(Object.entries(doc).filter(([k]) => kept.has(k)));
    const got = deserialize(pickFields(bytes, kept), RAW);
    expect(got).toEqual(deserialize(serialize(expected), RAW));
    expect(Object.keys(got)).toEqual(Object.keys(expected));
  }
});

test('only top-level inclusions are applied to bytes', () => {
  expect(topLevelInclusion({ a: 1, b: true })).toEqual(new Set(['_id', 'a', 'b']));
  expect(topLevelInclusion({ _id: 0, a: 1 })).toEqual(new Set(['a']));
  expect(topLevelInclusion({ _id: 1 })).toEqual(new Set(['_id']));
  expect(topLevelInclusion({ _id: 0 })).toBeUndefined();
  expect(topLevelInclusion({ a: 1, b: 0 })).toBeUndefined();
  expect(topLevelInclusion({ a: 2 })).toBeUndefined();
  expect(topLevelInclusion({ 'a.b': 1 })).toBeUndefined();
  expect(topLevelInclusion({ a: { $slice: 1 } })).toBeUndefined();
  expect(topLevelInclusion({ $a: 1 })).toBeUndefined();
  expect(topLevelInclusion({})).toBeUndefined();
  expect(topLevelInclusion(undefined)).toBeUndefined();
});

test('a cursor reply with stored BSON is byte for byte the reply with the decoded documents', () => {
  const docs = [everyType(), { _id: 2, v: 'two' }, {}];
  const stored = docs.map((d) => serialize(d));
  for (const key of ['firstBatch', 'nextBatch']) {
    for (const batch of [stored, []]) {
      const envelope = (b: unknown): Document => ({
        cursor: { [key]: b, id: Long.fromNumber(42), ns: 'db.c', postBatchResumeToken: { _data: 'AB' } },
        ok: 1,
        $clusterTime: { clusterTime: new Timestamp({ t: 1, i: 2 }) },
        operationTime: new Timestamp({ t: 1, i: 2 }),
      });
      const expected = serialize(envelope(batch.map((b) => deserialize(b, RAW))));
      expect(Buffer.from(serializeReply(envelope(new RawDocuments(batch))))).toEqual(Buffer.from(expected));
    }
  }
});

describe('validateBson', () => {
  test('accepts every element type, nested and at the top', () => {
    expect(() => validateBson(serialize(everyType()))).not.toThrow();
    expect(() => validateBson(serialize({ nested: everyType(), list: [everyType(), [everyType()]] }))).not.toThrow();
    expect(() => validateBson(serialize({}))).not.toThrow();
  });

  test.each([
    ['a size larger than the bytes', (b: Buffer) => b.writeInt32LE(b.length + 1, 0)],
    ['a size smaller than the bytes', (b: Buffer) => b.writeInt32LE(b.length - 1, 0)],
    ['no terminating NUL', (b: Buffer) => (b[b.length - 1] = 1)],
    ['an unknown element type', (b: Buffer) => (b[4] = 0x7e)],
    ['a string that is not UTF-8', (b: Buffer) => (b[b.indexOf('héllo') + 1] = 0xff)],
    ['an ASCII string with a byte over 0x7f', (b: Buffer) => (b[b.indexOf('sym\0') + 1] = 0xc3)],
    ['a string ending in half a character', (b: Buffer) => (b[b.indexOf('sym\0') + 2] = 0xe2)],
    ['a string size past the document', (b: Buffer) => b.writeInt32LE(10_000, b.indexOf('string\0') + 7)],
    ['a boolean other than 0 or 1', (b: Buffer) => (b[b.indexOf('bool\0') + 5] = 2)],
    ['an embedded document with a wrong size', (b: Buffer) => b.writeInt32LE(6, b.indexOf('doc\0') + 4)],
  ])('refuses %s', (_what, corrupt) => {
    const bytes = Buffer.from(serialize(everyType()));
    corrupt(bytes);
    expect(() => validateBson(bytes)).toThrow();
    expect(() => deserialize(bytes)).toThrow();
  });

  test('never accepts bytes the decoder refuses (seeded byte flips of every element type)', () => {
    const original = Buffer.from(serialize({ ...everyType(), nested: { list: [1, 'two', { three: 3 }] } }));
    let seed = 20261130;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = Buffer.from(original);
      for (let flips = 1 + rnd(3); flips > 0; flips--) bytes[rnd(bytes.length)] = rnd(256);
      let valid = true;
      try {
        validateBson(bytes);
      } catch {
        valid = false;
        refused += 1;
      }
      if (valid) expect(() => deserialize(bytes, { promoteLongs: true, promoteValues: true, bsonRegExp: false })).not.toThrow();
    }
    expect(refused).toBeGreaterThan(300);
  });
});

test('leadingId reads an ObjectId, string or int32 _id as the decoder does, and leaves other types to it', () => {
  const decode = (doc: Document): unknown => deserialize(serialize(doc), { promoteLongs: true, promoteValues: true, bsonRegExp: false })._id;
  const read = [new ObjectId('650000000000000000000abc'), 'span-1', 'héllo ✓ 𝄞', '', 7, -3, 2147483647];
  for (const _id of read) {
    const value = leadingId(serialize({ _id, rest: 1 }));
    expect(value).toEqual(decode({ _id, rest: 1 }));
    if (_id instanceof ObjectId) expect((value as ObjectId).equals(_id)).toBe(true);
    else expect(value).toBe(_id);
  }
  for (const _id of [1.5, Long.fromString('9007199254740993'), { a: 1 }, null, new Date(0), new Binary(Buffer.from([1]), 0)]) {
    expect(leadingId(serialize({ _id }))).toBe(ID_NOT_READ);
  }
});

test('picking and excluding fields whose names share a length with the wanted ones, or are not ASCII', () => {
  const doc = { _id: 1, ab: 1, cd: 2, 'é': 3, e: 4, abc: 5 };
  const bytes = serialize(doc);
  expect(deserialize(pickFields(bytes, new Set(['_id', 'cd', 'é'])))).toEqual({ _id: 1, cd: 2, 'é': 3 });
  expect(deserialize(excludeFields(bytes, new Set(['ab', 'é'])))).toEqual({ _id: 1, cd: 2, e: 4, abc: 5 });
  expect(pickFields(bytes, new Set(['_id', 'ab', 'cd', 'é', 'e', 'abc']))).toBe(bytes);
});
