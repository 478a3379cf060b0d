/**
 * A small OpenTelemetry-instrumented "shop" run as its own Node process (the OTLP exporters load `http` with a
 * dynamic import, which jest's module sandbox refuses). Usage: node otel-client.js <url> <json|proto|grpc> <epochSeconds>
 * [bearerToken]. Two services (frontend, payment) record one cross-service chain, export it with the real
 * exporter, and print one JSON line: { spans: [{name, traceId, spanId}], exports: [{code, error}] }.
 */
'use strict';
const { SpanKind, SpanStatusCode, context, trace } = require('@opentelemetry/api');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');

const [url, encoding, secondsText, token] = process.argv.slice(2);
const sec = Number(secondsText);
const { OTLPTraceExporter } =
  encoding === 'grpc'
    ? require('@opentelemetry/exporter-trace-otlp-grpc')
    : encoding === 'proto'
      ? require('@opentelemetry/exporter-trace-otlp-proto')
      : require('@opentelemetry/exporter-trace-otlp-http');

const exports_ = [];
function exporter() {
  const inner = encoding === 'grpc' ? new OTLPTraceExporter({ url, metadata: grpcMetadata() }) : new OTLPTraceExporter({ url, headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return {
    export(spans, done) {
      inner.export(spans, (result) => {
        exports_.push({ code: result.code, error: result.error ? String(result.error.message || result.error) : null });
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush(),
  };
}

/** The token as gRPC `authorization` metadata (the gRPC exporter sends metadata, not HTTP headers). */
function grpcMetadata() {
  const { Metadata } = require('@grpc/grpc-js');
  const metadata = new Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

async function main() {
  const recorded = new InMemorySpanExporter();
  const provider = (attributes) =>
    new BasicTracerProvider({
      resource: resourceFromAttributes(attributes),
      spanProcessors: [new BatchSpanProcessor(exporter()), new SimpleSpanProcessor(recorded)],
    });
  const frontend = provider({ 'service.name': 'frontend', 'deployment.environment': 'test' });
  // kvlist and bytes: the SDK only lets them through on resources (span attributes are sanitized to primitives).
  const payment = provider({ 'service.name': 'payment', 'host.labels': { zone: 'eu-1', rack: 7 }, 'host.key': Uint8Array.from([1, 2, 250]) });

  const checkout = frontend.getTracer('web', '2.0.0').startSpan('POST /checkout', {
    kind: SpanKind.SERVER,
    startTime: [sec, 100000000],
    attributes: { 'http.response.status_code': 200, 'http.route': '/checkout' },
  });
  const charge = payment.getTracer('payments-lib', '1.4.0').startSpan(
    'charge card',
    {
      kind: SpanKind.CLIENT,
      startTime: [sec, 120000000],
      attributes: { s: 'visa', b: true, i: 42, d: 2.5, sa: ['a', 'b'], ia: [1, 2], da: [0.5, 1.5], ba: [true, false] },
      links: [{ context: checkout.spanContext(), attributes: { 'link.reason': 'charge for checkout' } }],
    },
    trace.setSpan(context.active(), checkout),
  );
  charge.addEvent('retry', { attempt: 2, reason: 'timeout' }, [sec, 130000000]);
  charge.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  charge.end([sec, 160123456]);
  checkout.end([sec, 200000000]);

  // A refused export rejects forceFlush; the refusal is already in `exports_`, which is what the test checks.
  for (const p of [frontend, payment]) await p.forceFlush().catch(() => undefined);
  // Read before shutdown: shutting the in-memory exporter down empties it.
  const spans = recorded.getFinishedSpans().map((s) => ({ name: s.name, traceId: s.spanContext().traceId, spanId: s.spanContext().spanId }));
  for (const p of [frontend, payment]) await p.shutdown().catch(() => undefined);
  process.stdout.write(JSON.stringify({ spans, exports: exports_ }) + '\n');
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
  process.exit(1);
});
