/**
 * Across instances and sources: two gateways on one store (the change stream carries spans from A to B), a
 * store without change streams (auto falls back to the local bus and says so), and the explicit local mode.
 */
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo } from '../../src/embedded-mongo';
import { ChangeStreamSource, LocalSource, openLiveSource, type LiveSpan } from '../../src/live';
import { createLogger } from '../../src/log';
import { startTestMongo, type TestMongo } from '../helpers/mongo';
import { connect, subscribe } from './helpers/ws-client';
import { startLiveGateway, type LiveGateway } from './helpers/live-gateway';
import { newTraceId, spanInput } from './helpers/spans';
import { eventually } from '../helpers/eventually';

const TRACE_UPDATED = `subscription($id: ID!) { traceUpdated(traceId: $id) { spans { spanId } trace { spanCount } } }`;
type TraceUpdated = { traceUpdated: { spans: { spanId: string }[]; trace: { spanCount: number } } };


describe('two gateway instances on one store', () => {
  let mongo: TestMongo;
  let a: LiveGateway;
  let b: LiveGateway;

  beforeAll(async () => {
    mongo = await startTestMongo();
    a = await startLiveGateway({ mongo, live: { source: 'auto' } });
    b = await startLiveGateway({ mongo, live: { source: 'auto' } });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await mongo?.stop();
  });

  it('a subscriber on B receives the spans submitted to A, exactly once, and one on A too', async () => {
    expect(a.live.stats()?.hub.source).toBe('changestream');
    expect(b.live.stats()?.hub.source).toBe('changestream');
    const onA = connect(a.url);
    const onB = connect(b.url);
    try {
      const traceId = newTraceId();
      const subB = subscribe<TraceUpdated>(onB, TRACE_UPDATED, { id: traceId });
      const subA = subscribe<TraceUpdated>(onA, TRACE_UPDATED, { id: traceId });
      await eventually(() => b.live.stats()?.hub.subscriptions === 1 && a.live.stats()?.hub.subscriptions === 1, 'both subscribed');
      const spans = Array.from({ length: 5 }, (_, i) => spanInput({ traceId, offsetUs: i }));
      await a.submit(spans.slice(0, 3));
      await b.submit(spans.slice(3));
      const ids = (c: typeof subB) => c.results.flatMap((r) => r.data?.traceUpdated.spans.map((s) => s.spanId) ?? []);
      await subB.until((c) => ids(c).length >= 5, 'five spans on B');
      await subA.until((c) => ids(c).length >= 5, 'five spans on A');
      // One more from A: if anything had been doubled it would show before this marker.
      const marker = spanInput({ traceId, offsetUs: 99 });
      await a.submit([marker]);
      await subB.until((c) => ids(c).includes(marker.spanId), 'the marker on B');
      expect(ids(subB)).toEqual([...spans, marker].map((s) => s.spanId));
      await subA.until((c) => ids(c).includes(marker.spanId), 'the marker on A');
      expect(ids(subA)).toEqual([...spans, marker].map((s) => s.spanId));
      expect(subB.results.at(-1)?.data?.traceUpdated.trace.spanCount).toBe(6);
    } finally {
      await onA.dispose();
      await onB.dispose();
    }
  });
});

describe('fallback to the local bus', () => {
  it('auto on a store that refuses $changeStream: local source, logged, and live updates still work on this instance', async () => {
    // An embedded store without its change-stream plugin answers `$changeStream` with an error, as a standalone mongod does.
    const store = await startEmbeddedMongo({ port: 0, plugins: [] });
    const mongo: TestMongo = { uri: store.uri, dbName: `tg_live_${newTraceId().slice(0, 8)}`, embedded: true, stop: () => store.stop() };
    const lines: string[] = [];
    const gw = await startLiveGateway({ mongo, live: { source: 'auto', log: createLogger('info', 'live', (l) => lines.push(l)) } });
    const client = connect(gw.url);
    try {
      expect(gw.live.stats()?.hub.source).toBe('local');
      expect(lines.join('\n')).toMatch(/WARN \[live\] the store has no change streams; live updates are local to this instance .*\$changeStream/);
      const traceId = newTraceId();
      const sub = subscribe<TraceUpdated>(client, TRACE_UPDATED, { id: traceId });
      await eventually(() => gw.live.stats()?.hub.subscriptions === 1, 'subscribed');
      const span = spanInput({ traceId });
      await gw.submit([span]);
      await sub.until((c) => c.results.length === 1, 'the span');
      expect(sub.results[0]?.data?.traceUpdated.spans.map((s) => s.spanId)).toEqual([span.spanId]);
    } finally {
      await client.dispose();
      await gw.stop();
      await mongo.stop();
    }
  });

  it('changestream mode on a store without change streams fails to open, naming the cause (no silent fallback)', async () => {
    const store = await startEmbeddedMongo({ port: 0, plugins: [] });
    const client = await MongoClient.connect(store.uri);
    try {
      const candidates = {
        changestream: () => new ChangeStreamSource<LiveSpan>({ collection: client.db('tg_live').collection('spans'), toSpan: (d) => d as unknown as LiveSpan }),
        local: () => new LocalSource<LiveSpan>(() => () => undefined),
      };
      await expect(openLiveSource('changestream', candidates, () => undefined, createLogger('silent'))).rejects.toThrow(
        /did not open a change stream on the spans collection: .*\$changeStream/,
      );
    } finally {
      await client.close();
      await store.stop();
    }
  });
});
