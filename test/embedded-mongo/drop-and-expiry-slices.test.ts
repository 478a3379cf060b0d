/**
 * Dropping a large index or collection does not hold the store: the drop changes the catalog in one write, and
 * the dropped keys are removed afterwards in slices, each committed with the writes queued by then; what a stop
 * interrupts is removed after the next open. A scan left open on what was dropped ends instead of reading keys
 * that are waiting for removal. A TTL sweep of a large expiry deletes in slices the same way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, type WriteUnit } from '../../src/embedded-mongo/engine';
import { TtlMonitor } from '../../src/embedded-mongo/ttl';
import { createLogger } from '../../src/log';

/** Documents of the collection, each with ATTRS entries in its multikey index. */
const DOCS = 20_000;
const ATTRS = 12;

async function seed(engine: Engine): Promise<{ indexId: number; collectionId: number }> {
  await engine.write((unit: WriteUnit) => {
    unit.apply({ kind: 'createCollection', db: 'd', coll: 'spans', options: {} });
    unit.apply({ kind: 'createIndex', db: 'd', coll: 'spans', spec: { v: 2, key: { 'attrs.k': 1, 'attrs.v': 1 }, name: 'attrs' } });
  });
  for (let from = 0; from < DOCS; from += 5_000) {
    await engine.write((unit: WriteUnit) => {
      for (let i = from; i < from + 5_000; i++) {
        const attrs = Array.from({ length: ATTRS }, (_, a) => ({ k: `key.${a}`, v: `value ${i} ${a}` }));
        unit.apply({ kind: 'insert', db: 'd', coll: 'spans', doc: { _id: i, attrs } });
      }
    });
  }
  const coll = engine.collection('d', 'spans')!;
  return { indexId: coll.indexes.get('attrs')!.id, collectionId: coll.id };
}

// The keys stored under a 4-byte id prefix of the records or index database.
function keysUnder(engine: Engine, db: 'records' | 'index', id: number): number {
  const start = Buffer.alloc(4);
  start.writeUInt32BE(id, 0);
  const end = Buffer.alloc(4);
  end.writeUInt32BE(id + 1, 0);
  return engine.storage[db].getKeysCount({ start, end });
}

test('a dropped index leaves the catalog in one write; its entries go in slices that other writes interleave with', async () => {
  const engine = Engine.open();
  try {
    const { indexId } = await seed(engine);
    expect(keysUnder(engine, 'index', indexId)).toBe(DOCS * ATTRS);
    const before = engine.transactions;
    await engine.write((unit: WriteUnit) => unit.apply({ kind: 'dropIndex', db: 'd', coll: 'spans', name: 'attrs' }));
    expect(engine.collection('d', 'spans')!.indexes.has('attrs')).toBe(false);
    // A write queued now commits while entries of the dropped index are still being removed.
    await engine.write((unit: WriteUnit) => unit.apply({ kind: 'insert', db: 'd', coll: 'spans', doc: { _id: -1 } }));
    expect(engine.pendingReclaim).toBe(1);
    expect(keysUnder(engine, 'index', indexId)).toBeGreaterThan(0);
    await engine.reclaimed();
    expect(engine.pendingReclaim).toBe(0);
    expect(keysUnder(engine, 'index', indexId)).toBe(0);
    // The drop, the insert and more than one slice of removal each committed on their own.
    expect(engine.transactions - before).toBeGreaterThan(3);
    expect(engine.collection('d', 'spans')!.count).toBe(DOCS + 1);
  } finally {
    await engine.close();
  }
}, 60_000);

test("a dropped collection's records and entries are removed after a stop too, at the next open", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tg-reclaim-'));
  try {
    const engine = Engine.open(dataDir);
    const { indexId, collectionId } = await seed(engine);
    const idIndexId = engine.collection('d', 'spans')!.idIndex.id;
    await engine.write((unit: WriteUnit) => unit.apply({ kind: 'dropCollection', db: 'd', coll: 'spans' }));
    // Closing stops the removal at its next slice; what is left is recorded.
    await engine.close();

    const reopened = Engine.open(dataDir);
    try {
      expect(reopened.collection('d', 'spans')).toBeUndefined();
      expect(reopened.pendingReclaim).toBeGreaterThan(0);
      await reopened.reclaimed();
      expect(reopened.pendingReclaim).toBe(0);
      for (const [db, id] of [['records', collectionId], ['index', indexId], ['index', idIndexId]] as const) expect(keysUnder(reopened, db, id)).toBe(0);
      // A collection of the same name starts empty.
      await reopened.write((unit: WriteUnit) => unit.apply({ kind: 'insert', db: 'd', coll: 'spans', doc: { _id: 1 } }));
      expect([...reopened.collection('d', 'spans')!.scan()]).toEqual([{ _id: 1 }]);
    } finally {
      await reopened.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);

test('a scan left open on a dropped collection or index ends rather than reading keys waiting for removal', async () => {
  const engine = Engine.open();
  try {
    await seed(engine);
    const coll = engine.collection('d', 'spans')!;
    const byIndex = coll.plan({ 'attrs.k': 'key.3' });
    expect(byIndex.stage).toBe('IXSCAN');
    const indexScan = byIndex.rawCandidates[Symbol.iterator]();
    const tableScan = coll.scanRaw()[Symbol.iterator]();
    expect(indexScan.next().done).toBe(false);
    expect(tableScan.next().done).toBe(false);
    await engine.write((unit: WriteUnit) => unit.apply({ kind: 'dropCollection', db: 'd', coll: 'spans' }));
    expect(engine.pendingReclaim).toBeGreaterThan(0);
    expect(indexScan.next().done).toBe(true);
    expect(tableScan.next().done).toBe(true);
    await engine.reclaimed();
  } finally {
    await engine.close();
  }
}, 60_000);

test('a TTL sweep of many expired documents deletes them in slices that other writes interleave with', async () => {
  const engine = Engine.open();
  const ttl = new TtlMonitor(engine, 60_000, createLogger('silent'));
  try {
    const expired = new Date(Date.now() - 60_000);
    await engine.write((unit: WriteUnit) => {
      unit.apply({ kind: 'createCollection', db: 'd', coll: 'spans', options: {} });
      unit.apply({ kind: 'createIndex', db: 'd', coll: 'spans', spec: { v: 2, key: { expireAt: 1 }, name: 'retention_ttl', expireAfterSeconds: 0 } });
      for (let i = 0; i < 5_000; i++) unit.apply({ kind: 'insert', db: 'd', coll: 'spans', doc: { _id: i, expireAt: expired, v: `value ${i}` } });
      unit.apply({ kind: 'insert', db: 'd', coll: 'spans', doc: { _id: 'kept', expireAt: new Date(Date.now() + 3_600_000) } });
    });
    const before = engine.transactions;
    const sweep = ttl.sweepOnce();
    // Queued with the sweep's first slice: it commits while most expired documents are still stored.
    await engine.write((unit: WriteUnit) => unit.apply({ kind: 'insert', db: 'd', coll: 'spans', doc: { _id: 'late', expireAt: new Date(Date.now() + 3_600_000) } }));
    expect(engine.collection('d', 'spans')!.count).toBeGreaterThan(1_000);
    expect(await sweep).toBe(5_000);
    expect([...engine.collection('d', 'spans')!.scan()].map((d) => d._id).sort()).toEqual(['kept', 'late']);
    expect(engine.transactions - before).toBeGreaterThan(2);
  } finally {
    await ttl.stop();
    await engine.close();
  }
}, 60_000);
