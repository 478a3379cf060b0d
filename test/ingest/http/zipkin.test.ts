/** Zipkin v2 JSON bodies written after zipkin2-api.yaml, posted to a started gateway and read back via GraphQL. */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { TestGateway } from '../../helpers/gateway';
import { attributeMap, isoMicros, readTrace, startIngestGateway } from './helpers';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

async function post(gw: TestGateway, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(`${gw.origin}/api/v2/spans`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

describe('Zipkin v2 -> POST /api/v2/spans -> GraphQL', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startIngestGateway();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('stores a multi-service trace with tags and annotations, answering 202', async () => {
    const traceId = hex(16);
    const [rootId, chargeId, stockId] = [hex(8), hex(8), hex(8)];
    const ms = Date.now() - 60_000;
    const ts = ms * 1000;
    const spans = [
      {
        traceId,
        id: rootId,
        name: 'post /orders',
        kind: 'SERVER',
        timestamp: ts,
        duration: 250_000,
        localEndpoint: { serviceName: 'order', ipv4: '10.0.0.1', port: 8080 },
        tags: { 'http.method': 'POST', 'http.status_code': '201' },
      },
      {
        traceId,
        parentId: rootId,
        id: chargeId,
        name: 'charge',
        kind: 'CLIENT',
        timestamp: ts + 10_000,
        duration: 40_000,
        localEndpoint: { serviceName: 'payment' },
        remoteEndpoint: { serviceName: 'psp', ipv4: '203.0.113.9', port: 443 },
        tags: { error: 'card declined', 'http.status_code': '402' },
        annotations: [
          { timestamp: ts + 12_000, value: 'retry' },
          { timestamp: ts + 30_000, value: 'gave up' },
        ],
      },
      { traceId, parentId: rootId, id: stockId, name: 'reserve', timestamp: ts + 60_000, duration: 5, localEndpoint: { serviceName: 'inventory' } },
    ];
    const res = await post(gw, spans);
    expect(res).toEqual({ status: 202, text: '' });

    const read = await readTrace(gw, traceId);
    expect(read).toMatchObject({ id: traceId, spanCount: 3, errorCount: 1, status: 'ERROR', rootSpan: { spanId: rootId } });
    expect(read!.services.map((s) => s.name).sort()).toEqual(['inventory', 'order', 'payment']);
    const byId = new Map(read!.spans.map((s) => [s.spanId, s]));

    expect(byId.get(rootId)).toMatchObject({
      parentSpanId: null,
      operation: 'post /orders',
      kind: 'SERVER',
      service: { name: 'order' },
      startTime: isoMicros(ms),
      endTime: isoMicros(ms + 250),
      durationUs: 250_000,
      status: 'UNSET',
      result: { status: 'OK', code: '201', message: null, data: null },
      events: [],
    });
    expect(attributeMap(byId.get(rootId)!.attributes)).toEqual({
      'http.method': 'POST',
      'http.status_code': '201',
      'zipkin.localEndpoint': { ipv4: '10.0.0.1', port: 8080 },
    });

    const charge = byId.get(chargeId)!;
    expect(charge).toMatchObject({
      parentSpanId: rootId,
      parent: { spanId: rootId },
      kind: 'CLIENT',
      service: { name: 'payment' },
      startTime: isoMicros(ms + 10),
      endTime: isoMicros(ms + 50),
      status: 'ERROR',
      result: { status: 'ERROR', code: '402', message: 'card declined', data: null },
      events: [
        { time: isoMicros(ms + 12), name: 'retry', attributes: [] },
        { time: isoMicros(ms + 30), name: 'gave up', attributes: [] },
      ],
    });
    expect(attributeMap(charge.attributes)).toEqual({
      error: 'card declined',
      'http.status_code': '402',
      'zipkin.remoteEndpoint': { serviceName: 'psp', ipv4: '203.0.113.9', port: 443 },
    });
    expect(byId.get(stockId)).toMatchObject({ kind: 'INTERNAL', service: { name: 'inventory' }, durationUs: 5, endTime: isoMicros(ms + 60, 5) });
  });

  it('pads a 64-bit trace id to 32 hex digits, and accepts gzip', async () => {
    const id64 = hex(8);
    const spanId = hex(8);
    const ms = Date.now() - 30_000;
    const res = await post(gw, gzipSync(JSON.stringify([{ traceId: id64, id: spanId, name: 'get', timestamp: ms * 1000, duration: 1000, localEndpoint: { serviceName: 'legacy' } }])), {
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(202);
    const read = await readTrace(gw, `0000000000000000${id64}`);
    expect(read).toMatchObject({ id: `0000000000000000${id64}`, spans: [{ spanId, service: { name: 'legacy' }, operation: 'get' }] });
  });

  it('stores a re-posted span once (idempotent by traceId, spanId)', async () => {
    const traceId = hex(16);
    const span = { traceId, id: hex(8), name: 'x', timestamp: (Date.now() - 1000) * 1000, duration: 1, localEndpoint: { serviceName: 'svc' } };
    expect((await post(gw, [span])).status).toBe(202);
    expect((await post(gw, [span])).status).toBe(202);
    expect((await readTrace(gw, traceId))!.spanCount).toBe(1);
  });

  it('answers 400 naming each rejected span and how many of the others were stored', async () => {
    const traceId = hex(16);
    const good = { traceId, id: hex(8), name: 'ok', timestamp: (Date.now() - 1000) * 1000, duration: 1, localEndpoint: { serviceName: 'svc' } };
    const res = await post(gw, [good, { ...good, id: 'xyz' }, { ...good, id: hex(8), timestamp: undefined }]);
    expect(res.status).toBe(400);
    const err = JSON.parse(res.text).errors[0];
    expect(err.extensions).toMatchObject({ code: 'BAD_USER_INPUT', accepted: 1, duplicates: 0 });
    expect(err.extensions.rejected).toEqual([
      { index: 1, code: 'INVALID_SPAN_ID', message: expect.stringContaining('spanId: expected 16 hex digits') },
      { index: 2, code: 'BAD_USER_INPUT', message: 'timestamp: required (epoch microseconds), got nothing' },
    ]);
    expect(err.message).toMatch(/^2 of 3 spans rejected: span 1: INVALID_SPAN_ID .*The other 1 span\(s\) are stored \(1 new, 0 already stored\)\.$/);
    expect((await readTrace(gw, traceId))!.spans.map((s) => s.operation)).toEqual(['ok']);
  });

  it('answers 400 for a body that is not a span list and 415 for another content type', async () => {
    const notList = await post(gw, { spans: [] });
    expect(notList.status).toBe(400);
    expect(JSON.parse(notList.text).errors[0]).toMatchObject({
      message: 'expected a JSON array of Zipkin v2 spans, got an object',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const proto = await post(gw, Uint8Array.from([1, 2, 3]), { 'content-type': 'application/x-protobuf' });
    expect(proto.status).toBe(415);
    expect(JSON.parse(proto.text).errors[0].message).toBe('unsupported Content-Type: expected application/json (Zipkin v2 JSON), got "application/x-protobuf"');
  });
});
