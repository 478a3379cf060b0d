/**
 * IngestService.onStored: listeners see exactly the newly stored spans, as soon as the store acknowledged their
 * insert (before the summaries and steps of the write, and before the write is acknowledged).
 */
import { DEFAULT_INGEST_LIMITS } from '../../src/domain';
import { IngestService } from '../../src/ingest/service';
import { MongoTraceStore, type StoredSpan } from '../../src/store';
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

  // A store of its own on the test database whose summary writes (inserts and updates of traces and services)
  // are recorded in the order the driver sends them, and again once the store acknowledged each.
  const observedStore = (): { observed: MongoTraceStore; summaryWrites: string[]; summaryWritesDone: string[] } => {
    const summaryWrites: string[] = [];
    const summaryWritesDone: string[] = [];
    const pending = new Map<number, string>();
    const observed = new MongoTraceStore({ uri: test.mongo.uri, dbName: test.mongo.dbName, retentionMs: 86_400_000 });
    observed.client.on('commandStarted', (e) => {
      const target = e.command[e.commandName] as unknown;
      if ((e.commandName === 'update' || e.commandName === 'insert') && (target === 'traces' || target === 'services')) {
        summaryWrites.push(target);
        pending.set(e.requestId, target);
      }
    });
    observed.client.on('commandSucceeded', (e) => {
      const target = pending.get(e.requestId);
      if (target !== undefined) summaryWritesDone.push(target);
    });
    return { observed, summaryWrites, summaryWritesDone };
  };

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

  it('runs stored steps alongside the summary updates, and acknowledges only after both', async () => {
    const traceId = newTraceId();
    const { observed, summaryWrites, summaryWritesDone } = observedStore();
    const service = new IngestService(observed, DEFAULT_INGEST_LIMITS);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const stepSaw: { spans: string[]; summaryWritesAtStart: number }[] = [];
    service.addStoredStep(async (spans) => {
      stepSaw.push({ spans: spans.map((s) => s.spanId), summaryWritesAtStart: summaryWrites.length });
      await gate;
    });
    let acknowledged = false;
    const submitted = service.submit([span({ traceId, n: 0 }), span({ traceId, n: 1 })] as never).then((r) => {
      acknowledged = true;
      return r;
    });
    // The step started before any summary write, and the summaries are written while it is still running (a
    // write counts once the store acknowledged it: a read sent on another connection after the write was only
    // sent may reach the store first).
    await eventually(() => stepSaw.length === 1 && summaryWritesDone.length === 2, 'the step started and both summary writes acknowledged');
    expect(stepSaw[0]).toEqual({ spans: [spanId(0), spanId(1)], summaryWritesAtStart: 0 });
    expect(acknowledged).toBe(false);
    expect((await observed.tracesByIds([traceId])).get(traceId)?.spanCount).toBe(2);
    expect(acknowledged).toBe(false);
    release();
    expect(await submitted).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    await observed.close();
  });

  it('notifies listeners as soon as the span insert is acknowledged: before any summary write and before the submit is acknowledged', async () => {
    const traceId = newTraceId();
    const { observed, summaryWrites } = observedStore();
    try {
      const service = new IngestService(observed, DEFAULT_INGEST_LIMITS);
      let acknowledged = false;
      const heard: { spans: string[]; summaryWrites: number; acknowledged: boolean }[] = [];
      service.onStored((spans) => heard.push({ spans: spans.map((s) => s.spanId), summaryWrites: summaryWrites.length, acknowledged }));
      const result = await service.submit([span({ traceId, n: 0 }), span({ traceId, n: 1 })] as never);
      acknowledged = true;
      expect(result).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
      expect(heard).toEqual([{ spans: [spanId(0), spanId(1)], summaryWrites: 0, acknowledged: false }]);
      // The summaries were written after the notification, before the acknowledgement.
      expect(summaryWrites).toEqual(expect.arrayContaining(['traces', 'services']));
    } finally {
      await observed.close();
    }
  });

  it('notifies listeners of the stored spans even when a step then fails the write', async () => {
    const traceId = newTraceId();
    const service = new IngestService(store, DEFAULT_INGEST_LIMITS);
    const heard: string[][] = [];
    service.onStored((spans) => heard.push(spans.map((s) => s.spanId)));
    service.addStoredStep(async () => {
      throw new Error('rollups not written');
    });
    await expect(service.submit([span({ traceId, n: 0 })] as never)).rejects.toThrow('rollups not written');
    expect(heard).toEqual([[spanId(0)]]);
    // Stored: a re-submit is a duplicate and announces nothing more.
    expect(await service.submit([span({ traceId, n: 0 })] as never)).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(heard).toHaveLength(1);
  });

  it('notifies listeners after the insert when the store does not report it early', async () => {
    const traceId = newTraceId();
    const plain = Object.assign(Object.create(store) as MongoTraceStore, { insertSpans: (spans: never[]) => store.insertSpans(spans) });
    const service = new IngestService(plain, DEFAULT_INGEST_LIMITS);
    const heard: string[][] = [];
    service.onStored((spans) => heard.push(spans.map((s) => s.spanId)));
    expect(await service.submit([span({ traceId, n: 0 }), span({ traceId, n: 1 })] as never)).toMatchObject({ accepted: 2 });
    expect(heard).toEqual([[spanId(0), spanId(1)]]);
  });

  it('runs stored steps after the insert when the store does not report it early', async () => {
    const traceId = newTraceId();
    // A store that ignores the early report: the steps still run, with the newly stored spans.
    const plain = Object.assign(Object.create(store) as MongoTraceStore, { insertSpans: (spans: never[]) => store.insertSpans(spans) });
    const service = new IngestService(plain, DEFAULT_INGEST_LIMITS);
    const stepSaw: string[][] = [];
    service.addStoredStep(async (spans) => {
      stepSaw.push(spans.map((s) => s.spanId));
    });
    expect(await service.submit([span({ traceId, n: 0 })] as never)).toMatchObject({ accepted: 1 });
    expect(stepSaw).toEqual([[spanId(0)]]);
    expect(await service.submit([span({ traceId, n: 0 })] as never)).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(stepSaw).toHaveLength(1);
  });
});
