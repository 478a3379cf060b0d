/** IngestService.onStored: listeners see exactly the newly stored spans, after the store acknowledged them. */
import { DEFAULT_INGEST_LIMITS } from '../../src/domain';
import { IngestService } from '../../src/ingest/service';
import type { MongoTraceStore, StoredSpan } from '../../src/store';
import { startTestStore, type TestStore } from '../helpers/mongo';
import { newTraceId, span, spanId } from './fixtures';
import { eventually } from '../helpers/eventually';

describe('IngestService', () => {
  let test: TestStore;
  let store: MongoTraceStore;
  let ingest: IngestService;

  beforeAll(async () => {
    test = await startTestStore({ retentionMs: 86_400_000 });
    store = test.store;
    ingest = new IngestService(store, DEFAULT_INGEST_LIMITS);
  });
  afterAll(async () => {
    await test.stop();
  });

  it('notifies only newly stored spans: not duplicates, not rejected; after the store has them', async () => {
    const traceId = newTraceId();
    const batches: StoredSpan[][] = [];
    const readableAtNotification: boolean[] = [];
    const off = ingest.onStored((spans) => {
      batches.push([...spans]);
      void store.spansByKeys(spans).then((found) => readableAtNotification.push(found.size === spans.length));
    });
    const first = await ingest.submit([span({ traceId, n: 0 }), { ...span({ traceId, n: 1 }), spanId: 'bad' } as never, span({ traceId, n: 2 })] as never);
    expect(first).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(first.rejected.map((r) => [r.index, r.code])).toEqual([[1, 'INVALID_SPAN_ID']]);
    const second = await ingest.submit([span({ traceId, n: 0 }), span({ traceId, n: 3 })] as never);
    expect(second).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    const third = await ingest.submit([span({ traceId, n: 3 })] as never);
    expect(third).toEqual({ accepted: 0, duplicates: 1, rejected: [] });

    expect(batches.map((b) => b.map((s) => s.spanId))).toEqual([[spanId(0), spanId(2)], [spanId(3)]]);
    await eventually(() => readableAtNotification.length === 2, 'the reads started at each notification');
    expect(readableAtNotification).toEqual([true, true]);

    off();
    expect(ingest.listenerCount).toBe(0);
    await ingest.submit([span({ traceId, n: 4 })] as never);
    expect(batches).toHaveLength(2);
  });

  it('a failing listener neither fails the submit nor starves the other listeners', async () => {
    const seen: number[] = [];
    const offBad = ingest.onStored(() => {
      throw new Error('listener bug');
    });
    const offGood = ingest.onStored((spans) => seen.push(spans.length));
    const result = await ingest.submit([span({ traceId: newTraceId(), n: 0 })] as never);
    expect(result.accepted).toBe(1);
    expect(seen).toEqual([1]);
    offBad();
    offGood();
  });
});
