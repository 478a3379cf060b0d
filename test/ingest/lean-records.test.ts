/**
 * A write nobody listens to lets go of its span records once they are mapped to documents
 * (`insertSpans(..., { keepRecords: false })`): stored steps read the stored documents' SpanCore, the result counts
 * the stored spans, and a listener that subscribes while the write is in flight still hears of exactly its stored
 * spans, read back from their documents (the same spans a read of the store returns). Once the insert is
 * acknowledged the documents are let go of too (steps and summaries read a summary taken out of each), and a
 * submit given its list to release (`{ release: true }`, as the GraphQL mutation does) empties it once validated.
 */
import { DEFAULT_INGEST_LIMITS, validateSpans, type SpanCore, type SpanInputShape } from '../../src/domain';
import { IngestService } from '../../src/ingest';
import { MongoTraceStore, type InsertedSpans, type StoredSpan } from '../../src/store';
import { startTestStore, type TestStore } from '../helpers/mongo';

const TRACE = 'ab'.repeat(16);

function input(n: number, extra: Partial<SpanInputShape> = {}): SpanInputShape {
  return {
    traceId: TRACE,
    spanId: (n + 1).toString(16).padStart(16, '0'),
    parentSpanId: n === 0 ? null : '0000000000000001',
    service: n === 0 ? 'front' : 'back',
    operation: `op${n}`,
    kind: n === 0 ? 'SERVER' : 'CLIENT',
    startTime: `2026-11-20T10:00:0${n}.000001Z`,
    endTime: `2026-11-20T10:00:0${n}.5Z`,
    status: n === 2 ? 'ERROR' : 'OK',
    result: { status: 'OK', code: '200', data: { rows: n, nested: { b: [1, 'two'], a: true } } },
    attributes: [
      { key: 'region', value: 'eu-1' },
      { key: 'count', value: n },
      { key: 'tags', value: ['x', { k: 'v' }] },
    ],
    metrics: [{ name: 'db.time', value: 1.5, unit: 'ms' }],
    events: [{ time: '2026-11-20T10:00:00.25Z', name: 'retry', attributes: [{ key: 'attempt', value: 2 }] }],
    ...extra,
  };
}

describe('a write without listeners', () => {
  let test: TestStore;
  let store: MongoTraceStore;

  beforeAll(async () => {
    test = await startTestStore({ retentionMs: 86_400_000 });
    store = test.store;
  });
  afterAll(async () => {
    await test.stop();
  });

  it('gets no records back from the store, but the cores of the stored spans and their count', async () => {
    const { valid } = validateSpans([input(0), input(1)], DEFAULT_INGEST_LIMITS, Date.UTC(2026, 10, 20, 11) * 1000);
    const reported: { inserted: StoredSpan[]; cores: readonly SpanCore[] }[] = [];
    const outcome = await store.insertSpans(
      valid.map((v) => v.record),
      (inserted, stored) => reported.push({ inserted, cores: stored.cores }),
      { keepRecords: false },
    );
    expect(outcome).toEqual({ inserted: [], duplicates: 0, failed: [] });
    expect(reported).toHaveLength(1);
    expect(reported[0]!.inserted).toEqual([]);
    const core = (s: SpanCore): SpanCore => ({
      traceId: s.traceId,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      service: s.service,
      operation: s.operation,
      kind: s.kind,
      startUs: s.startUs,
      endUs: s.endUs,
      durationUs: s.durationUs,
      status: s.status,
    });
    expect(reported[0]!.cores.map(core)).toEqual(valid.map((v) => core(v.record)));
  });

  it('counts, steps and a listener that subscribes during the write see exactly the stored spans', async () => {
    const traceId = 'cd'.repeat(16);
    const heard: StoredSpan[][] = [];
    const stepSaw: SpanCore[][] = [];
    let keepRecordsAsked: boolean | undefined;
    // The store as given to the service, except that a listener subscribes once the write has started (after the
    // service decided not to keep its records).
    let service: IngestService | undefined;
    const lateSubscriber = Object.assign(Object.create(store) as MongoTraceStore, {
      insertSpans: (...args: Parameters<MongoTraceStore['insertSpans']>) => {
        keepRecordsAsked = args[2]?.keepRecords;
        service!.onStored((spans) => heard.push([...spans]));
        return store.insertSpans(...args);
      },
    });
    service = new IngestService(lateSubscriber, DEFAULT_INGEST_LIMITS, () => Date.UTC(2026, 10, 20, 11));
    service.addStoredStep(async (spans) => {
      stepSaw.push([...spans]);
    });
    const inputs = [input(0, { traceId }), { ...input(1, { traceId }), spanId: 'bad' } as SpanInputShape, input(2, { traceId })];
    const result = await service.submit(inputs);
    expect(keepRecordsAsked).toBe(false);
    expect(result).toEqual({ accepted: 2, duplicates: 0, rejected: [{ index: 1, code: 'INVALID_SPAN_ID', message: expect.any(String) as string }] });
    expect(stepSaw.map((spans) => spans.map((s) => [s.spanId, s.service, s.status, s.durationUs]))).toEqual([
      [
        ['0000000000000001', 'front', 'OK', 499_999],
        ['0000000000000003', 'back', 'ERROR', 499_999],
      ],
    ]);
    // What the listener heard is what the store holds: the records read back from the stored documents.
    expect(heard).toHaveLength(1);
    const stored = (await store.spansByTraceIds([traceId])).get(traceId)!;
    expect(heard[0]).toEqual(stored);
    expect(heard[0]![1]!.attributes).toEqual([
      { key: 'region', value: 'eu-1' },
      { key: 'count', value: 2 },
      { key: 'tags', value: ['x', { k: 'v' }] },
    ]);
    expect(heard[0]![1]!.result).toEqual({ status: 'OK', code: '200', message: null, data: { rows: 2, nested: { a: true, b: [1, 'two'] } } });
    // A re-submit stores nothing and announces nothing.
    expect(await service.submit([input(0, { traceId })])).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    expect(heard).toHaveLength(1);
    expect(stepSaw).toHaveLength(1);
  });

  it('keeps the records of a write that has listeners when it starts: they hear the very records validated', async () => {
    const traceId = 'ef'.repeat(16);
    let keepRecordsAsked: boolean | undefined;
    const observing = Object.assign(Object.create(store) as MongoTraceStore, {
      insertSpans: (...args: Parameters<MongoTraceStore['insertSpans']>) => {
        keepRecordsAsked = args[2]?.keepRecords;
        return store.insertSpans(...args);
      },
    });
    const service = new IngestService(observing, DEFAULT_INGEST_LIMITS, () => Date.UTC(2026, 10, 20, 11));
    const heard: StoredSpan[][] = [];
    service.onStored((spans) => heard.push([...spans]));
    expect(await service.submit([input(0, { traceId })])).toMatchObject({ accepted: 1 });
    expect(keepRecordsAsked).toBe(true);
    // The validated record keeps the attributes in the order sent (a read back would have them as stored).
    expect(heard[0]![0]!.result!.data).toEqual({ rows: 0, nested: { b: [1, 'two'], a: true } });
    expect(Object.keys((heard[0]![0]!.result!.data as { nested: object }).nested)).toEqual(['b', 'a']);
  });

  it('hands steps a summary of each stored span rather than its document, and reads records back during onInserted only', async () => {
    const traceId = '12'.repeat(16);
    const { valid } = validateSpans([input(0, { traceId }), input(1, { traceId })], DEFAULT_INGEST_LIMITS, Date.UTC(2026, 10, 20, 11) * 1000);
    let stored: InsertedSpans | undefined;
    let duringCall: StoredSpan[] | undefined;
    await store.insertSpans(
      valid.map((v) => v.record),
      (_inserted, report) => {
        stored = report;
        duringCall = report.records();
      },
      { keepRecords: false },
    );
    // The cores hold what the summaries and steps read, none of the payload a document holds.
    for (const core of stored!.cores) {
      expect(Object.keys(core).sort()).toEqual(['_id', 'attrs', 'durationUs', 'endUs', 'kind', 'operation', 'parentSpanId', 'service', 'spanId', 'startUs', 'status', 'traceId']);
    }
    expect(duringCall).toEqual((await store.spansByTraceIds([traceId])).get(traceId));
    expect(() => stored!.records()).toThrow('insertSpans: the stored records are read during onInserted only');
    // The summary of the trace was written from those cores.
    expect((await store.tracesByIds([traceId])).get(traceId)).toMatchObject({ spanCount: 2, errorCount: 0, services: ['back', 'front'] });
  });

  it('empties a list given to release once its spans are validated, before the store writes them', async () => {
    const traceId = '34'.repeat(16);
    let lengthAtInsert: number | undefined;
    const inputs = [input(0, { traceId }), { ...input(1, { traceId }), spanId: 'bad' } as SpanInputShape, input(2, { traceId })];
    const observing = Object.assign(Object.create(store) as MongoTraceStore, {
      insertSpans: (...args: Parameters<MongoTraceStore['insertSpans']>) => {
        lengthAtInsert = inputs.length;
        return store.insertSpans(...args);
      },
    });
    const service = new IngestService(observing, DEFAULT_INGEST_LIMITS, () => Date.UTC(2026, 10, 20, 11));
    const result = await service.submit(inputs, 'graphql', { release: true });
    expect(lengthAtInsert).toBe(0);
    expect(inputs).toEqual([]);
    // The same outcome as without release: refusals by submitted position, every valid span stored.
    expect(result).toEqual({ accepted: 2, duplicates: 0, rejected: [{ index: 1, code: 'INVALID_SPAN_ID', message: expect.any(String) as string }] });
    expect((await store.spansByTraceIds([traceId])).get(traceId)!.map((s) => s.spanId)).toEqual(['0000000000000001', '0000000000000003']);
    // Without release, or with a frozen list, the list is left as it is.
    const kept = [input(3, { traceId })];
    await service.submit(kept);
    expect(kept).toHaveLength(1);
    const frozen = Object.freeze([input(4, { traceId })]);
    expect(await service.submit(frozen, 'graphql', { release: true })).toMatchObject({ accepted: 1 });
    expect(frozen).toHaveLength(1);
  });
});
