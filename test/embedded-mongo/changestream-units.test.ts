/**
 * Unit tests of the change-stream building blocks: updateDescription from before/after images, resume tokens
 * (round trip, ordering, rejection of foreign tokens), the bounded history (trimming, floor, wake-ups), an insert
 * event's reply bytes and what a stream's `$match` stages read.
 */
import { Long, ObjectId, serialize, Timestamp } from 'bson';
import { ChangeHistory, decodeToken, describeUpdate, encodeToken } from '../../src/embedded-mongo/changestream';
import { insertEventBytes, stagesRead } from '../../src/embedded-mongo/changestream/cursor';
import { Step } from '../../src/embedded-mongo/changestream/position';
import type { OplogEntry } from '../../src/embedded-mongo/engine';
import { MongoCommandError } from '../../src/embedded-mongo/errors';

describe('describeUpdate', () => {
  it('reports changed and added fields as dotted paths and removed fields by name', () => {
    const before = { _id: 1, a: 1, b: { c: 1, d: 2 }, gone: true, same: 'x' };
    const after = { _id: 1, a: 2, b: { c: 1, d: 3, e: 4 }, same: 'x', added: [1] };
    expect(describeUpdate(before, after)).toEqual({
      updatedFields: { a: 2, 'b.d': 3, 'b.e': 4, added: [1] },
      removedFields: ['gone'],
      truncatedArrays: [],
    });
  });

  it('reports appended and changed array elements by index, and truncation with the new size', () => {
    expect(describeUpdate({ _id: 1, l: [1, 2, 3] }, { _id: 1, l: [1, 9, 3, 4] })).toEqual({
      updatedFields: { 'l.1': 9, 'l.3': 4 },
      removedFields: [],
      truncatedArrays: [],
    });
    expect(describeUpdate({ _id: 1, l: [{ x: 1 }, { x: 2 }, { x: 3 }] }, { _id: 1, l: [{ x: 5 }] })).toEqual({
      updatedFields: { 'l.0.x': 5 },
      removedFields: [],
      truncatedArrays: [{ field: 'l', newSize: 1 }],
    });
  });

  it('reports a value whose type changed whole, even when it compares equal (1 -> Long(1))', () => {
    expect(describeUpdate({ _id: 1, n: 1, o: { a: 1 } }, { _id: 1, n: Long.fromNumber(1), o: 'flat' })).toEqual({
      updatedFields: { n: Long.fromNumber(1), o: 'flat' },
      removedFields: [],
      truncatedArrays: [],
    });
  });
});

describe('resume tokens', () => {
  const ts = new Timestamp({ t: 1_800_000_000, i: 7 });

  it('round-trips a position and sorts as hex strings in history order', () => {
    const positions = [
      { seq: 9, ts, step: Step.EVENT },
      { seq: 9, ts, step: Step.INVALIDATE },
      { seq: 9, ts, step: Step.END },
      { seq: 10, ts: new Timestamp({ t: 1_800_000_000, i: 8 }), step: Step.EVENT },
      { seq: 2 ** 40, ts: new Timestamp({ t: 1_900_000_000, i: 1 }), step: Step.EVENT },
    ];
    const tokens = positions.map((p) => encodeToken(p)._data);
    expect([...tokens].sort()).toEqual(tokens);
    for (const p of positions) {
      const back = decodeToken(encodeToken(p), 'resumeAfter');
      expect(back.seq).toBe(p.seq);
      expect(back.step).toBe(p.step);
      expect(back.ts.equals(p.ts)).toBe(true);
    }
  });

  it('rejects tokens it did not issue with InvalidResumeToken and says what it expected', () => {
    const bad = [{ _data: 'abc' }, { _data: '82' + '0'.repeat(34) }, 'token', null, { _data: 42 }];
    for (const token of bad) {
      let err: unknown;
      try {
        decodeToken(token, 'resumeAfter');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(MongoCommandError);
      expect((err as MongoCommandError).code).toBe(260);
      expect((err as Error).message).toMatch(/resumeAfter/);
    }
  });
});

describe('ChangeHistory', () => {
  const entry = (seq: number, wallTime = new Date()): OplogEntry => ({
    seq,
    ts: new Timestamp({ t: 1_800_000_000, i: seq }),
    wallTime,
    op: { kind: 'insert', db: 'd', coll: 'c', doc: { _id: seq } },
  });

  it('keeps at most maxEntries and moves the floor past what it dropped', () => {
    const h = new ChangeHistory({ seq: 0, ts: new Timestamp({ t: 0, i: 0 }) }, { maxEntries: 3 });
    h.record([entry(1), entry(2)]);
    expect(h.floorSeq).toBe(0);
    h.record([entry(3), entry(4), entry(5)]);
    expect(h.size).toBe(3);
    expect(h.floorSeq).toBe(2);
    expect(h.entriesAfter(2).map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(h.entriesAfter(3, 1).map((e) => e.seq)).toEqual([4]);
    expect(h.seqBefore(new Timestamp({ t: 1_800_000_000, i: 4 }))).toBe(3);
    // Entries at or after seq 2's time may be gone: not resumable from there.
    expect(h.seqBefore(new Timestamp({ t: 1_800_000_000, i: 2 }))).toBeNull();
  });

  it('drops entries older than maxAgeMs', () => {
    const h = new ChangeHistory({ seq: 0, ts: new Timestamp({ t: 0, i: 0 }) }, { maxAgeMs: 60_000 });
    h.record([entry(1, new Date(Date.now() - 120_000)), entry(2)]);
    expect(h.floorSeq).toBe(1);
    expect(h.entriesAfter(0).map((e) => e.seq)).toEqual([2]);
  });

  it('refuses entries out of seq order rather than reorder history under open streams', () => {
    const h = new ChangeHistory({ seq: 5, ts: new Timestamp({ t: 0, i: 0 }) });
    expect(() => h.record([entry(5)])).toThrow(/seq order: got seq 5 after 5/);
  });

  it('wakes a waiter on record, and a waiter with nothing to wait for resolves on its timer or abort', async () => {
    const h = new ChangeHistory({ seq: 0, ts: new Timestamp({ t: 0, i: 0 }) });
    let woken = false;
    const waiting = h.waitForEntryAfter(0, 60_000, { onAbort: () => {} }).then(() => (woken = true));
    await Promise.resolve();
    expect(woken).toBe(false);
    h.record([entry(1)]);
    await waiting;
    expect(woken).toBe(true);
    // Already newer: immediate.
    await h.waitForEntryAfter(0, 60_000, { onAbort: () => {} });
    // Aborted (cursor closed): resolves without a record and leaves no timer behind.
    let abort: () => void = () => {};
    const aborted = h.waitForEntryAfter(1, 60_000, { onAbort: (fn) => (abort = fn) });
    abort();
    await aborted;
    await h.waitForEntryAfter(1, 5, { onAbort: () => {} });
  });

  it('hands a cursor woken by a commit that commit\'s entries as committed, and sends any other position to the source', () => {
    // Started after seq 1 (a restart: entry 1 is on disk only).
    const onDisk: OplogEntry[] = [entry(1)];
    const h = new ChangeHistory({ seq: 1, ts: new Timestamp({ t: 0, i: 0 }) }, {}, {
      after: (seq, limit) => onDisk.filter((e) => e.seq > seq).slice(0, limit),
      floor: () => ({ seq: 0, ts: new Timestamp({ t: 0, i: 0 }) }),
    });
    expect(h.recentAfter(0)).toBeNull();
    expect(h.recentAfter(1)).toEqual([]);
    const first = [entry(2)];
    onDisk.push(...first);
    h.record(first);
    expect(h.recentAfter(1)).toEqual(first);
    expect(h.recentAfter(1)![0]).toBe(first[0]);
    expect(h.recentAfter(0)).toBeNull();
    const second = [entry(3), entry(4), entry(5)];
    onDisk.push(...second);
    h.record(second);
    expect(h.recentAfter(2)!.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(h.recentAfter(4)!.map((e) => e.seq)).toEqual([5]);
    expect(h.recentAfter(5)).toEqual([]);
    // Older than the last commit: only the source has every entry after it.
    expect(h.recentAfter(1)).toBeNull();
    expect(h.entriesAfter(1).map((e) => e.seq)).toEqual([2, 3, 4, 5]);
    // Without a source the history holds every entry itself.
    const own = new ChangeHistory({ seq: 0, ts: new Timestamp({ t: 0, i: 0 }) });
    own.record([entry(1)]);
    expect(own.recentAfter(0)).toBeNull();
  });

  it('validates its bounds', () => {
    expect(() => new ChangeHistory({ seq: 0, ts: new Timestamp({ t: 0, i: 0 }) }, { maxEntries: 0 })).toThrow(/maxEntries must be a positive integer, got 0/);
  });
});

describe('insert events from stored bytes', () => {
  it('are the bytes serialize gives the decoded event, for any _id, namespace and wall time', () => {
    const docs = [
      { _id: 'trace:span', n: 1, s: 'é✓' },
      { _id: new ObjectId(), list: [1, 'x', null] },
      { _id: { k: 1 }, z: null },
      { _id: Long.fromNumber(5) },
      // `_id` not first: the general path.
      { a: 1, _id: 2 },
    ];
    let compared = 0;
    for (const doc of docs) {
      for (const ns of [{ db: 'b', coll: 'spans' }, { db: 'dé', coll: 'c✓' }]) {
        for (const wallTime of [new Date(1_700_000_000_123), new Date(-5e12), new Date(8.64e15)]) {
          const event = { _id: encodeToken({ seq: 7, ts: new Timestamp({ t: 1_700_000_000, i: 77 }), step: Step.EVENT }), operationType: 'insert', clusterTime: new Timestamp({ t: 1_700_000_000, i: 77 }), wallTime, ns };
          const expected = serialize({ ...event, documentKey: { _id: doc._id }, fullDocument: doc });
          expect(Buffer.from(insertEventBytes(event, serialize(doc))).equals(Buffer.from(expected))).toBe(true);
          compared++;
        }
      }
    }
    expect(compared).toBe(30);
  });

  it("tell which event fields a stream's $match stages read, or that they cannot be told", () => {
    expect(stagesRead([{ $match: { operationType: 'insert' } }])).toEqual(new Set(['operationType']));
    expect(stagesRead([{ $match: { $or: [{ operationType: 'insert' }, { 'ns.coll': 'x' }] } }, { $match: { 'fullDocument.traceId': 't' } }])).toEqual(
      new Set(['operationType', 'ns', 'fullDocument']),
    );
    expect(stagesRead([{ $match: { $expr: { $eq: ['$fullDocument.a', 1] } } }])).toBeNull();
    expect(stagesRead([{ $match: { $and: [{ $where: 'true' }] } }])).toBeNull();
    expect(stagesRead([])).toEqual(new Set());
  });
});
