/** Bodies for the standard ingest routes, written after the OTLP/HTTP JSON and Zipkin v2 formats. */
import { spanId } from '../../gateway/fixtures';

const START_MS = Date.UTC(2026, 10, 20, 10);

/** An OTLP/HTTP JSON ExportTraceServiceRequest with `count` spans of one trace. */
export function otlpJsonBody(traceId: string, count: number): string {
  const startNs = BigInt(START_MS) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'otlp-shop' } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: count }, (_, n) => ({
              traceId,
              spanId: spanId(n),
              name: `op-${n}`,
              startTimeUnixNano: String(startNs + BigInt(n) * 1000n),
              endTimeUnixNano: String(startNs + BigInt(n) * 1000n + 500n),
            })),
          },
        ],
      },
    ],
  });
}

/** A Zipkin v2 JSON span list with `count` spans of one trace. */
export function zipkinJsonBody(traceId: string, count: number): string {
  return JSON.stringify(
    Array.from({ length: count }, (_, n) => ({
      traceId,
      id: spanId(n),
      name: `op-${n}`,
      timestamp: START_MS * 1000 + n,
      duration: 10,
      localEndpoint: { serviceName: 'zipkin-shop' },
    })),
  );
}
