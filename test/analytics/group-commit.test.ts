/**
 * Rollups of several inserts written as one group: one bulk write of merged updates, and exactly the documents
 * (counts, sums, extremes, sketch bins, edges counted once) the inserts' own rollup writes give one after the
 * other.
 */
import type { CommandStartedEvent } from 'mongodb';
import { rollups, ServiceAnalytics } from '../../src/analytics';
import { DEFAULT_INGEST_LIMITS, validateSpans, type SpanRecord } from '../../src/domain';
import { startTestStore, type TestStore } from '../helpers/mongo';
import { chunks, prng, shopTraffic, shuffle, wire } from './helpers';

const BASE_MS = Date.UTC(2026, 10, 20, 10, 0, 0);
const RETENTION_MS = 86_400_000;

function records(seed: number): SpanRecord[] {
  const { valid, rejected } = validateSpans(wire(shuffle(shopTraffic(40, seed, BASE_MS, 5 * 60_000), prng(seed))), DEFAULT_INGEST_LIMITS);
  expect(rejected).toEqual([]);
  return valid.map((v) => v.record);
}

describe('rollups of a group of inserts', () => {
  let grouped: TestStore;
  let oneByOne: TestStore;
  const now = BASE_MS + 3_600_000;

  beforeAll(async () => {
    [grouped, oneByOne] = await Promise.all([startTestStore({ retentionMs: RETENTION_MS, now: () => now }), startTestStore({ retentionMs: RETENTION_MS, now: () => now })]);
  });
  afterAll(async () => {
    await Promise.all([grouped?.stop(), oneByOne?.stop()]);
  });

  it('are one bulk write making exactly the documents of the inserts written one after the other', async () => {
    // Shuffled and cut, so pairs of a trace are split over the inserts of the group (and over two groups).
    const batches = chunks(records(11), 60);
    expect(batches.length).toBeGreaterThanOrEqual(4);
    const earlier = batches.slice(0, 2);
    const group = batches.slice(2);
    const updates: CommandStartedEvent[] = [];
    grouped.store.client.on('commandStarted', (event) => {
      if (event.commandName === 'update' && event.command.update === 'rollups') updates.push(event);
    });
    const a = new ServiceAnalytics(grouped.store, { retentionMs: RETENTION_MS, now: () => now });
    const b = new ServiceAnalytics(oneByOne.store, { retentionMs: RETENTION_MS, now: () => now });
    for (const batch of batches) {
      expect((await grouped.store.insertSpans(batch)).inserted).toHaveLength(batch.length);
      expect((await oneByOne.store.insertSpans(batch)).inserted).toHaveLength(batch.length);
    }
    for (const batch of earlier) {
      await a.record(batch);
      await b.record(batch);
    }
    const before = updates.length;
    // Recorded in one tick: one group, one bulk write for all of it.
    await Promise.all(group.map((batch) => a.record(batch)));
    expect(updates.length - before).toBe(1);
    for (const batch of group) await b.record(batch);

    const snapshot = async (store: TestStore) => rollups(store.store.db).find({}).sort({ _id: 1 }).toArray();
    const got = await snapshot(grouped);
    expect(got).toEqual(await snapshot(oneByOne));
    // Edges are there, each call counted once: checkout -> payment once per trace.
    const edgeCalls = got.filter((d) => d.k === 'E' && d.s === 'checkout' && d.x === 'payment').reduce((n, d) => n + d.c!, 0);
    expect(edgeCalls).toBe(40);
  });
});
