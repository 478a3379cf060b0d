/**
 * Spans from the OTLP and Zipkin routes reach graphql-ws subscribers exactly like mutation spans: once each,
 * only after they were stored, and a duplicate re-sent by another route produces no event.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { liveExtension, type LiveExtension } from '../../../src/server';
import { standardIngestExtension } from '../../../src/ingest/standard';
import { startTestGateway, type TestGateway } from '../../helpers/gateway';
import { connect, subscribe, type Collected } from '../../live/helpers/ws-client';
import { eventually } from '../../helpers/eventually';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

const TRACE_UPDATED = `subscription($id: ID!) { traceUpdated(traceId: $id) { spans { spanId service { name } } trace { spanCount } } }`;
type TraceUpdated = { traceUpdated: { spans: { spanId: string; service: { name: string } }[]; trace: { spanCount: number } } };
const idsOf = (c: Collected<TraceUpdated>): string[] => c.results.flatMap((r) => r.data?.traceUpdated.spans.map((s) => s.spanId) ?? []);

describe('standard ingest routes feed live subscriptions', () => {
  let gw: TestGateway;
  let live: LiveExtension;
  let client: Client;
  beforeAll(async () => {
    live = liveExtension({ source: 'local', queueLimit: 1_000 });
    gw = await startTestGateway({ extensions: [live, standardIngestExtension()] });
    client = connect(gw.url);
  });
  afterAll(async () => {
    await client?.dispose();
    await gw?.stop();
  });

  it('delivers OTLP and Zipkin spans once each, and nothing for a duplicate', async () => {
    const traceId = hex(16);
    const [otlpId, zipkinId, lastId] = [hex(8), hex(8), hex(8)];
    const ms = Date.now() - 10_000;
    const sub = subscribe<TraceUpdated>(client, TRACE_UPDATED, { id: traceId });
    await eventually(() => (live.stats()?.hub.subscriptions ?? 0) >= 1, 'the subscription to reach the hub');

    const otlp = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'otlp-svc' } }] },
          scopeSpans: [{ spans: [{ traceId, spanId: otlpId, name: 'a', startTimeUnixNano: `${ms}000000`, endTimeUnixNano: `${ms + 1}000000` }] }],
        },
      ],
    });
    const postOtlp = () => fetch(`${gw.origin}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: otlp });
    expect((await postOtlp()).status).toBe(200);
    await sub.until((c) => idsOf(c).includes(otlpId), 'the OTLP span');

    const zipkin = JSON.stringify([{ traceId, id: zipkinId, parentId: otlpId, name: 'b', timestamp: ms * 1000 + 100, duration: 10, localEndpoint: { serviceName: 'zipkin-svc' } }]);
    const zres = await fetch(`${gw.origin}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: zipkin });
    expect(zres.status).toBe(202);
    await sub.until((c) => idsOf(c).includes(zipkinId), 'the Zipkin span');

    // The same OTLP span again (a duplicate), then a new span by the mutation: events arrive in store order, so
    // a duplicate event would show up before the new span does.
    expect((await postOtlp()).status).toBe(200);
    const submitted = await gw.gql(
      'mutation($s: [SpanInput!]!) { submitSpans(spans: $s) { accepted duplicates } }',
      { s: [{ traceId, spanId: lastId, service: 'gql-svc', operation: 'c', startTime: new Date(ms).toISOString(), endTime: new Date(ms + 2).toISOString() }] },
    );
    expect(submitted.data?.submitSpans).toEqual({ accepted: 1, duplicates: 0 });
    await sub.until((c) => idsOf(c).includes(lastId), 'the mutation span');

    expect(idsOf(sub)).toEqual([otlpId, zipkinId, lastId]);
    const services = sub.results.flatMap((r) => r.data!.traceUpdated.spans.map((s) => s.service.name));
    expect(services).toEqual(['otlp-svc', 'zipkin-svc', 'gql-svc']);
    expect(sub.results.at(-1)!.data!.traceUpdated.trace.spanCount).toBe(3);
    sub.unsubscribe();
  });
});
