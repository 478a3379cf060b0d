/**
 * The OpenTelemetry JS serializers (the ones the OTLP exporters use) as an independent encoder: the same SDK
 * spans, serialized as protobuf and as JSON, must decode and map to the same Tracegate spans.
 */
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { decodeJsonTraceRequest } from '../../../src/ingest/otlp/json-decode';
import { mapTraceRequest } from '../../../src/ingest/otlp/map';
import { decodeProtobufTraceRequest } from '../../../src/ingest/otlp/proto-decode';
import { encodeExportResponse } from '../../../src/ingest/otlp/response';

const START_MS = 1_764_151_200_123; // 2025-11-26T10:00:00.123Z

async function recordSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout',
      // Resource attributes are not sanitized by the SDK, so kvlist and bytes travel here.
      'host.labels': { zone: 'eu-1', rack: 7 } as never,
      'host.key': Uint8Array.from([1, 2, 250]) as never,
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('shop-lib', '1.4.0');
  const parent = tracer.startSpan('POST /checkout', { kind: SpanKind.SERVER, startTime: START_MS, attributes: { 'http.response.status_code': 500 } });
  const child = tracer.startSpan(
    'charge card',
    {
      kind: SpanKind.CLIENT,
      startTime: START_MS + 10,
      attributes: { s: 'visa', b: true, i: 42, d: 2.5, sa: ['a', 'b'], ia: [1, 2], ba: [true, false] },
    },
    trace.setSpan(context.active(), parent),
  );
  child.addEvent('retry', { attempt: 2 }, START_MS + 20);
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  child.end(START_MS + 40);
  parent.end(START_MS + 50);
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

describe('decoders against the OpenTelemetry JS serializers', () => {
  it('decode protobuf and JSON exports of the same spans to the same Tracegate spans', async () => {
    const spans = await recordSpans();
    const fromProto = mapTraceRequest(decodeProtobufTraceRequest(ProtobufTraceSerializer.serializeRequest(spans)!));
    const fromJson = mapTraceRequest(decodeJsonTraceRequest(JsonTraceSerializer.serializeRequest(spans)!));
    expect(fromProto.rejected).toEqual([]);
    expect(fromProto).toEqual(fromJson);
    expect(fromProto.total).toBe(2);

    const child = fromProto.inputs.find((s) => s.operation === 'charge card')!;
    const parent = fromProto.inputs.find((s) => s.operation === 'POST /checkout')!;
    const sdkChild = spans.find((s) => s.name === 'charge card')!;
    expect(child.traceId).toBe(sdkChild.spanContext().traceId);
    expect(child.spanId).toBe(sdkChild.spanContext().spanId);
    expect(child.parentSpanId).toBe(parent.spanId);
    expect(parent).not.toHaveProperty('parentSpanId');
    expect(child).toMatchObject({
      service: 'checkout',
      kind: 'CLIENT',
      status: 'ERROR',
      startTime: '2025-11-26T10:00:00.133000000Z',
      endTime: '2025-11-26T10:00:00.163000000Z',
      result: { status: 'ERROR', message: 'card declined' },
      events: [{ time: '2025-11-26T10:00:00.143000000Z', name: 'retry', attributes: [{ key: 'attempt', value: 2 }] }],
    });
    expect(parent).toMatchObject({ kind: 'SERVER', status: 'UNSET', result: { status: 'ERROR', code: '500' } });
    const attrs = Object.fromEntries(child.attributes!.map((a) => [a.key, a.value]));
    expect(attrs).toMatchObject({
      s: 'visa',
      b: true,
      i: 42,
      d: 2.5,
      sa: ['a', 'b'],
      ia: [1, 2],
      ba: [true, false],
      'resource.service.name': 'checkout',
      'resource.host.labels': { zone: 'eu-1', rack: 7 },
      'resource.host.key': Buffer.from([1, 2, 250]).toString('base64'),
      'otel.scope.name': 'shop-lib',
      'otel.scope.version': '1.4.0',
    });
  });
});

describe('response encoder against the OpenTelemetry JS response parsers', () => {
  it('writes an ExportTraceServiceResponse both parsers read back, with and without partialSuccess', () => {
    const partial = { rejectedSpans: 3, errorMessage: '3 of 7 spans rejected: span 0: INVALID_TRACE_ID ...' };
    const fromProto = ProtobufTraceSerializer.deserializeResponse(encodeExportResponse('protobuf', partial)) as { partialSuccess?: { rejectedSpans?: unknown; errorMessage?: string } };
    expect(Number(fromProto.partialSuccess?.rejectedSpans)).toBe(3);
    expect(fromProto.partialSuccess?.errorMessage).toBe(partial.errorMessage);
    const fromJson = JsonTraceSerializer.deserializeResponse(encodeExportResponse('json', partial)) as { partialSuccess?: { rejectedSpans?: unknown; errorMessage?: string } };
    expect(fromJson.partialSuccess).toEqual({ rejectedSpans: '3', errorMessage: partial.errorMessage });

    expect(encodeExportResponse('protobuf', { rejectedSpans: 0, errorMessage: '' }).length).toBe(0);
    expect(ProtobufTraceSerializer.deserializeResponse(encodeExportResponse('protobuf'))).toEqual({});
    expect(JsonTraceSerializer.deserializeResponse(encodeExportResponse('json'))).toEqual({});
  });
});
