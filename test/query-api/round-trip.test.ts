/**
 * A round trip through the ecosystem: the real OpenTelemetry SDK exports over OTLP/gRPC (see
 * test/ingest/http/otel-client.js for the two spans it records), and the trace is read back through the Jaeger
 * and the Zipkin query APIs; each field is compared with what the SDK recorded.
 */
import { otlpGrpcExtension } from '../../src/ingest/otlp-grpc';
import type { TestGateway } from '../helpers/gateway';
import { runOtelClient } from '../ingest/http/helpers';
import { get, startQueryGateway } from './helpers';
import { expectValid, jaegerSchemas, zipkinSchemas } from './schemas';

/** Whole seconds a minute ago, so nanoseconds are under the test's control. */
const sec = Math.floor(Date.now() / 1000) - 60;
const us = (nanos: number): number => sec * 1_000_000 + Math.floor(nanos / 1000);

describe('OTLP/gRPC in (real SDK) -> Jaeger and Zipkin query APIs out', () => {
  let gw: TestGateway;
  let traceId: string;
  let checkoutId: string;
  let chargeId: string;
  beforeAll(async () => {
    const grpc = otlpGrpcExtension({ port: 0, host: '127.0.0.1' });
    gw = await startQueryGateway({ extensions: [grpc] });
    const client = await runOtelClient(`http://127.0.0.1:${grpc.address()!.port}`, 'grpc', sec);
    expect(client.exports).toEqual(client.exports.map(() => ({ code: 0, error: null })));
    const checkout = client.spans.find((s) => s.name === 'POST /checkout')!;
    traceId = checkout.traceId;
    checkoutId = checkout.spanId;
    chargeId = client.spans.find((s) => s.name === 'charge card')!.spanId;
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('Jaeger: processes from the resources, typed tags, references, logs, times', async () => {
    const res = await get(gw, `/api/traces/${traceId}`);
    expect(res.status).toBe(200);
    expectValid(jaegerSchemas.traces, res.body);
    const [trace] = res.body.data;
    expect(trace.traceID).toBe(traceId);
    const byId = new Map((trace.spans as any[]).map((s) => [s.spanID, s]));
    const checkout = byId.get(checkoutId);
    const charge = byId.get(chargeId);

    expect(trace.processes[checkout.processID]).toEqual({
      serviceName: 'frontend',
      tags: [{ key: 'deployment.environment', type: 'string', value: 'test' }],
    });
    expect(trace.processes[charge.processID]).toEqual({
      serviceName: 'payment',
      tags: [
        { key: 'host.labels', type: 'string', value: expect.any(String) },
        { key: 'host.key', type: 'string', value: Buffer.from([1, 2, 250]).toString('base64') },
      ],
    });

    expect(JSON.parse(trace.processes[charge.processID].tags[0].value)).toEqual({ zone: 'eu-1', rack: 7 });
    expect(checkout).toEqual({
      traceID: traceId,
      spanID: checkoutId,
      operationName: 'POST /checkout',
      references: [],
      startTime: us(100_000_000),
      duration: 100_000,
      tags: [
        { key: 'http.response.status_code', type: 'int64', value: 200 },
        { key: 'http.route', type: 'string', value: '/checkout' },
        { key: 'otel.scope.name', type: 'string', value: 'web' },
        { key: 'otel.scope.version', type: 'string', value: '2.0.0' },
        { key: 'span.kind', type: 'string', value: 'server' },
      ],
      logs: [],
      processID: checkout.processID,
      warnings: null,
    });
    expect(charge).toEqual({
      traceID: traceId,
      spanID: chargeId,
      operationName: 'charge card',
      references: [
        { refType: 'CHILD_OF', traceID: traceId, spanID: checkoutId },
        { refType: 'FOLLOWS_FROM', traceID: traceId, spanID: checkoutId },
      ],
      startTime: us(120_000_000),
      duration: 40_123,
      tags: [
        { key: 's', type: 'string', value: 'visa' },
        { key: 'b', type: 'bool', value: true },
        { key: 'i', type: 'int64', value: 42 },
        { key: 'd', type: 'float64', value: 2.5 },
        { key: 'sa', type: 'string', value: '["a","b"]' },
        { key: 'ia', type: 'string', value: '[1,2]' },
        { key: 'da', type: 'string', value: '[0.5,1.5]' },
        { key: 'ba', type: 'string', value: '[true,false]' },
        { key: 'otel.scope.name', type: 'string', value: 'payments-lib' },
        { key: 'otel.scope.version', type: 'string', value: '1.4.0' },
        { key: 'span.kind', type: 'string', value: 'client' },
        { key: 'otel.status_code', type: 'string', value: 'ERROR' },
        { key: 'otel.status_description', type: 'string', value: 'card declined' },
        { key: 'error', type: 'bool', value: true },
      ],
      logs: [
        {
          timestamp: us(130_000_000),
          fields: [
            { key: 'event', type: 'string', value: 'retry' },
            { key: 'attempt', type: 'int64', value: 2 },
            { key: 'reason', type: 'string', value: 'timeout' },
          ],
        },
      ],
      processID: charge.processID,
      warnings: null,
    });
  });

  it('Zipkin: local endpoints, kinds, string tags with the status, annotations, times', async () => {
    const res = await get(gw, `/api/v2/trace/${traceId}`);
    expect(res.status).toBe(200);
    expectValid(zipkinSchemas.trace, res.body);
    const byId = new Map((res.body as any[]).map((s) => [s.id, s]));
    expect(byId.get(checkoutId)).toEqual({
      traceId,
      id: checkoutId,
      name: 'POST /checkout',
      kind: 'SERVER',
      timestamp: us(100_000_000),
      duration: 100_000,
      localEndpoint: { serviceName: 'frontend' },
      tags: {
        'http.response.status_code': '200',
        'http.route': '/checkout',
        'deployment.environment': 'test',
        'otel.scope.name': 'web',
        'otel.scope.version': '2.0.0',
      },
    });
    expect(byId.get(chargeId)).toEqual({
      traceId,
      id: chargeId,
      parentId: checkoutId,
      name: 'charge card',
      kind: 'CLIENT',
      timestamp: us(120_000_000),
      duration: 40_123,
      localEndpoint: { serviceName: 'payment' },
      annotations: [{ timestamp: us(130_000_000), value: 'retry' }],
      tags: {
        s: 'visa',
        b: 'true',
        i: '42',
        d: '2.5',
        sa: '["a","b"]',
        ia: '[1,2]',
        da: '[0.5,1.5]',
        ba: '[true,false]',
        'host.labels': expect.any(String),
        'host.key': Buffer.from([1, 2, 250]).toString('base64'),
        'otel.scope.name': 'payments-lib',
        'otel.scope.version': '1.4.0',
        'otel.status_code': 'ERROR',
        error: 'card declined',
      },
    });
    expect(JSON.parse(byId.get(chargeId).tags['host.labels'])).toEqual({ zone: 'eu-1', rack: 7 });
  });
});
