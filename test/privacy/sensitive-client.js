/**
 * A shop call chain carrying sensitive values, recorded with the OpenTelemetry SDK and sent by a real exporter,
 * run as its own Node process (the exporters load `http` with a dynamic import, which jest's sandbox refuses).
 * Usage: node sensitive-client.js <url> <otlp-json|otlp-proto|zipkin> <epochSeconds> <customerId>
 * Prints one JSON line: { traceId, exports: [{ code, error }] }.
 */
'use strict';
const { SpanKind, SpanStatusCode, context, trace } = require('@opentelemetry/api');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');

const [url, route, secondsText, customerId] = process.argv.slice(2);
const sec = Number(secondsText);

function exporterFor() {
  if (route === 'zipkin') {
    const { ZipkinExporter } = require('@opentelemetry/exporter-zipkin');
    return new ZipkinExporter({ url });
  }
  const { OTLPTraceExporter } = route === 'otlp-proto' ? require('@opentelemetry/exporter-trace-otlp-proto') : require('@opentelemetry/exporter-trace-otlp-http');
  return new OTLPTraceExporter({ url });
}

const exports_ = [];
function recording(inner) {
  return {
    export(spans, done) {
      inner.export(spans, (result) => {
        exports_.push({ code: result.code, error: result.error ? String(result.error.message || result.error) : null });
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => (inner.forceFlush ? inner.forceFlush() : Promise.resolve()),
  };
}

async function main() {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    spanProcessors: [new SimpleSpanProcessor(recording(exporterFor()))],
  });
  const tracer = provider.getTracer('privacy-test');
  const pay = tracer.startSpan('POST /pay', {
    kind: SpanKind.SERVER,
    startTime: [sec, 100000000],
    attributes: {
      'url.full': 'https://shop.example/pay?lang=en&card=4111%201111%201111%201111&order=1234567812345678',
      'user.email': 'alice@example.com',
      'http.request.header.authorization': 'Bearer sk_live_abcdef123456',
      'payment.card': '5500-0000-0000-0004',
      'customer.id': customerId,
      'order.id': '1234567812345678',
      'http.route': '/pay',
    },
  });
  const charge = tracer.startSpan(
    'charge',
    { kind: SpanKind.CLIENT, startTime: [sec, 120000000], attributes: { 'customer.id': customerId, 'app.region': 'eu-1' } },
    trace.setSpan(context.active(), pay),
  );
  charge.setStatus({ code: SpanStatusCode.ERROR, message: 'card 4111111111111111 declined for alice@example.com' });
  charge.end([sec, 150000000]);
  pay.end([sec, 200000000]);
  await provider.forceFlush();
  await provider.shutdown();
  process.stdout.write(JSON.stringify({ traceId: pay.spanContext().traceId, exports: exports_ }) + '\n');
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + '\n');
  process.exit(1);
});
