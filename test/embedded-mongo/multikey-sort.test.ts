/**
 * Path-level multikey information: an index with an array on one field (`tags` in `{ tags, t, _id }`) still gives
 * the order of its other fields under an equality on `tags`, so a sorted, limited find reads about its limit of
 * entries; once a document holds an array on a sort field the index stops giving that order. Seeded differential
 * checks against a full scan and an in-memory sort; the information survives a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Document } from 'bson';
import { Query } from 'mingo';
import { Engine, Index, type WriteUnit } from '../../src/embedded-mongo/engine';
import { MINGO_OPTIONS, select, sortDocs } from '../../src/embedded-mongo/query';
import { prng } from '../helpers/prng';

const TAGS = ['a', 'b', 'c', 'd'];

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

async function seed(engine: Engine, rnd: () => number, count: number): Promise<void> {
  await engine.write((unit: WriteUnit) => {
    unit.apply({ kind: 'createCollection', db: 'd', coll: 'c', options: {} });
    unit.apply({ kind: 'createIndex', db: 'd', coll: 'c', spec: { v: 2, key: { tags: 1, t: -1, _id: -1 }, name: 'tags_t_id' } });
    for (let i = 0; i < count; i++) {
      // Arrays (some with a tag twice), lone values; start times shared by several documents.
      const r = rnd();
      const tags = r < 0.6 ? [pick(rnd, TAGS), pick(rnd, TAGS), pick(rnd, TAGS)] : r < 0.8 ? pick(rnd, TAGS) : [pick(rnd, TAGS)];
      unit.apply({ kind: 'insert', db: 'd', coll: 'c', doc: { _id: `id${String(i).padStart(4, '0')}`, tags, t: Math.floor(rnd() * count / 3) } });
    }
  });
}

/** Sorted, limited finds through the plan, against a full scan sorted in memory. */
function checkFinds(engine: Engine, rnd: () => number, expectSorted: boolean): number {
  const coll = engine.collection('d', 'c')!;
  const all = [...coll.scan()];
  let served = 0;
  for (let n = 0; n < 120; n++) {
    const dir = rnd() < 0.5 ? 1 : -1;
    const sort = { t: dir, _id: dir };
    const filter: Document = { tags: pick(rnd, TAGS) };
    // A lower bound, an upper bound, both or none.
    const range: Document = {};
    if (rnd() < 0.5) range[pick(rnd, ['$gt', '$gte'])] = Math.floor(rnd() * 100);
    if (rnd() < 0.5) range[pick(rnd, ['$lt', '$lte'])] = 50 + Math.floor(rnd() * 100);
    if (Object.keys(range).length > 0) filter.t = range;
    const limit = 1 + Math.floor(rnd() * 20);
    const query = new Query(filter, MINGO_OPTIONS);
    const expected = sortDocs(all.filter((d) => query.test(d)), sort).slice(0, limit).map((d) => d._id);
    const got = select(coll, filter, limit, undefined, sort);
    expect({ filter, sort, ids: sortDocs(got.docs, sort).slice(0, limit).map((d) => d._id) }).toEqual({ filter, sort, ids: expected });
    expect({ filter, sorted: coll.plan(filter, sort).sorted }).toEqual({ filter, sorted: expectSorted });
    if (expectSorted) {
      // Read in order: the plan stops after its limit of matches (one key read past the last). A range starts at
      // its bound's value, so an exclusive bound may cost the documents equal to it.
      const exclusive = Object.keys(range).filter((op) => op === '$gt' || op === '$lt').length > 0;
      if (!exclusive) expect({ filter, examined: got.docsExamined }).toEqual({ filter, examined: expected.length });
      expect(got.plan.keysExamined).toBeLessThanOrEqual(got.docsExamined + 1);
      served += 1;
    }
  }
  return served;
}

test('an equality on the array field leaves the index ordered by the fields after it', async () => {
  const engine = Engine.open();
  try {
    await seed(engine, prng(20261130), 300);
    const index = engine.collection('d', 'c')!.indexes.get('tags_t_id')!;
    expect([index.fieldMultikey(0), index.fieldMultikey(1), index.fieldMultikey(2)]).toEqual([true, false, false]);
    expect(checkFinds(engine, prng(7), true)).toBe(120);

    // An array on the sort field: the index no longer gives the order, and answers stay right.
    await engine.write((unit) => unit.apply({ kind: 'insert', db: 'd', coll: 'c', doc: { _id: 'arr', tags: ['a'], t: [3, 90] } }));
    expect([index.fieldMultikey(0), index.fieldMultikey(1), index.fieldMultikey(2)]).toEqual([true, true, false]);
    checkFinds(engine, prng(8), false);
  } finally {
    await engine.close();
  }
});

test('the multikey fields survive a restart; an index stored multikey without them counts every field', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tg-multikey-'));
  try {
    const engine = Engine.open(dataDir);
    await seed(engine, prng(11), 200);
    await engine.close();
    const reopened = Engine.open(dataDir);
    try {
      const index = reopened.collection('d', 'c')!.indexes.get('tags_t_id')!;
      expect([index.fieldMultikey(0), index.fieldMultikey(1), index.fieldMultikey(2)]).toEqual([true, false, false]);
      expect(checkFinds(reopened, prng(12), true)).toBe(120);
    } finally {
      await reopened.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const spec = { v: 2, key: { tags: 1, t: -1 }, name: 'x' };
  const stored = new Index(1, spec, true, true);
  expect([stored.fieldMultikey(0), stored.fieldMultikey(1), stored.everyPathMultikey]).toEqual([true, true, true]);
  const known = new Index(1, spec, true, true, 1);
  expect([known.fieldMultikey(0), known.fieldMultikey(1), known.everyPathMultikey]).toEqual([true, false, false]);
  expect([new Index(1, spec).multikey, new Index(1, spec).fieldMultikey(0)]).toEqual([false, false]);
});

test('element keys followed by top-level fields give their order under one $elemMatch fixing the element fields', async () => {
  const engine = Engine.open();
  const rnd = prng(424242);
  const OPS = ['get', 'put', 'list'];
  try {
    await engine.write((unit: WriteUnit) => {
      unit.apply({ kind: 'createCollection', db: 'd', coll: 'e', options: {} });
      unit.apply({ kind: 'createIndex', db: 'd', coll: 'e', spec: { v: 2, key: { 'ops.o': 1, 'ops.s': 1, t: -1, _id: -1 }, name: 'ops_t_id' } });
      for (let i = 0; i < 300; i++) {
        // Pairs (some twice), a non-document element, an empty list, no list at all.
        const r = rnd();
        const ops = r < 0.85 ? Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => ({ s: pick(rnd, TAGS), o: pick(rnd, OPS) })) : r < 0.9 ? ['plain', { s: 'a', o: 'get' }] : r < 0.95 ? [] : undefined;
        unit.apply({ kind: 'insert', db: 'd', coll: 'e', doc: { _id: `id${String(i).padStart(4, '0')}`, ...(ops ? { ops } : {}), t: Math.floor(rnd() * 100) } });
      }
    });
    const coll = engine.collection('d', 'e')!;
    const index = coll.indexes.get('ops_t_id')!;
    expect([0, 1, 2, 3].map((i) => index.fieldMultikey(i))).toEqual([true, true, false, false]);
    const all = [...coll.scan()];
    let found = 0;
    for (let n = 0; n < 120; n++) {
      const dir = rnd() < 0.5 ? 1 : -1;
      const sort = { t: dir, _id: dir };
      const filter: Document = { ops: { $elemMatch: { s: pick(rnd, TAGS), o: pick(rnd, OPS) } } };
      if (rnd() < 0.6) filter.t = rnd() < 0.5 ? { $lte: Math.floor(rnd() * 100) } : { $gte: Math.floor(rnd() * 100), $lte: 99 };
      const limit = 1 + Math.floor(rnd() * 15);
      const query = new Query(filter, MINGO_OPTIONS);
      const expected = sortDocs(all.filter((d) => query.test(d)), sort).slice(0, limit).map((d) => d._id);
      const got = select(coll, filter, limit, undefined, sort);
      expect({ filter, sort, ids: sortDocs(got.docs, sort).map((d) => d._id) }).toEqual({ filter, sort, ids: expected });
      expect({ filter, sorted: coll.plan(filter, sort).sorted, examined: got.docsExamined }).toEqual({ filter, sorted: true, examined: expected.length });
      found += expected.length;
    }
    expect(found).toBeGreaterThan(300);
    // The element fields bound by different clauses: not one element's pair, so no order from the index.
    expect(coll.plan({ 'ops.s': 'a', 'ops.o': 'get' }, { t: -1, _id: -1 }).sorted).toBe(false);
  } finally {
    await engine.close();
  }
});
