/**
 * The real OpenTelemetry JS SDK and OTLP exporters (HTTP JSON, HTTP protobuf, gRPC) against a started gateway: two services,
 * a parent/child chain across them, attributes of every kind, an event and an error status; the trace is read
 * back through GraphQL and compared field by field with what the SDK recorded.
 */
import { otlpGrpcExtension } from '../../../src/ingest/otlp-grpc';
import type { TestGateway } from '../../helpers/gateway';
import { attributeMap, readTrace, runOtelClient, startIngestGateway, type ReadSpan } from './helpers';

const EXPORTERS: [string, 'json' | 'proto' | 'grpc', boolean][] = [
  ['OTLP/HTTP JSON', 'json', false],
  ['OTLP/HTTP protobuf', 'proto', false],
  ['OTLP/HTTP protobuf, gzip', 'proto', true],
  ['OTLP/gRPC', 'grpc', false],
  ['OTLP/gRPC, gzip', 'grpc', true],
];

/** Whole seconds a minute ago, so nanoseconds are under the test's control and no clock skew rule applies. */
function baseSeconds(): number {
  return Math.floor(Date.now() / 1000) - 60;
}

function micros(seconds: number, nanos: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

describe.each(EXPORTERS)('OpenTelemetry SDK -> %s -> GraphQL', (_name, encoding, gzip) => {
  let gw: TestGateway;
  let url: string;
  beforeAll(async () => {
    const grpc = otlpGrpcExtension({ port: 0, host: '127.0.0.1' });
    gw = await startIngestGateway({}, { extensions: [grpc] });
    url = encoding === 'grpc' ? `http://127.0.0.1:${grpc.address()!.port}` : `${gw.origin}/v1/traces`;
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('stores the cross-service chain so GraphQL returns it field by field', async () => {
    const sec = baseSeconds();
    const client = await runOtelClient(url, encoding, sec, undefined, gzip);
    expect(client.exports.length).toBeGreaterThan(0);
    expect(client.exports).toEqual(client.exports.map(() => ({ code: 0, error: null })));
    const sdkCheckout = client.spans.find((s) => s.name === 'POST /checkout')!;
    const sdkCharge = client.spans.find((s) => s.name === 'charge card')!;
    const traceId = sdkCheckout.traceId;
    expect(sdkCharge.traceId).toBe(traceId);

    const read = await readTrace(gw, traceId);
    expect(read).not.toBeNull();
    expect(read!.spanCount).toBe(2);
    expect(read!.errorCount).toBe(1);
    expect(read!.status).toBe('ERROR');
    expect(read!.services.map((s) => s.name).sort()).toEqual(['frontend', 'payment']);
    expect(read!.rootSpan).toEqual({ spanId: sdkCheckout.spanId });

    const bySpanId = new Map(read!.spans.map((s) => [s.spanId, s]));
    const checkout = bySpanId.get(sdkCheckout.spanId) as ReadSpan;
    const charge = bySpanId.get(sdkCharge.spanId) as ReadSpan;

    expect(checkout).toMatchObject({
      traceId,
      parentSpanId: null,
      operation: 'POST /checkout',
      kind: 'SERVER',
      startTime: micros(sec, 100_000_000),
      endTime: micros(sec, 200_000_000),
      durationUs: 100_000,
      status: 'UNSET',
      service: { name: 'frontend' },
      result: { status: 'OK', code: '200', message: null, data: null },
      events: [],
    });
    expect(attributeMap(checkout.attributes)).toEqual({
      'http.response.status_code': 200,
      'http.route': '/checkout',
      'resource.service.name': 'frontend',
      'resource.deployment.environment': 'test',
      'otel.scope.name': 'web',
      'otel.scope.version': '2.0.0',
    });

    expect(charge).toMatchObject({
      traceId,
      parentSpanId: sdkCheckout.spanId,
      parent: { spanId: sdkCheckout.spanId },
      operation: 'charge card',
      kind: 'CLIENT',
      startTime: micros(sec, 120_000_000),
      endTime: micros(sec, 160_123_456),
      durationUs: 40_123,
      status: 'ERROR',
      service: { name: 'payment' },
      result: { status: 'ERROR', code: null, message: 'card declined', data: null },
      events: [{ time: micros(sec, 130_000_000), name: 'retry', attributes: expect.any(Array) }],
    });
    expect(attributeMap(charge.events[0]!.attributes)).toEqual({ attempt: 2, reason: 'timeout' });
    expect(charge.links).toEqual([
      { traceId, spanId: sdkCheckout.spanId, traceState: null, attributes: [{ key: 'link.reason', value: 'charge for checkout' }], span: { spanId: sdkCheckout.spanId, operation: 'POST /checkout' } },
    ]);
    expect(checkout.links).toEqual([]);
    expect(attributeMap(charge.attributes)).toEqual({
      s: 'visa',
      b: true,
      i: 42,
      d: 2.5,
      sa: ['a', 'b'],
      ia: [1, 2],
      da: [0.5, 1.5],
      ba: [true, false],
      'resource.service.name': 'payment',
      'resource.host.labels': { zone: 'eu-1', rack: 7 },
      'resource.host.key': Buffer.from([1, 2, 250]).toString('base64'),
      'otel.scope.name': 'payments-lib',
      'otel.scope.version': '1.4.0',
    });
  });
});
