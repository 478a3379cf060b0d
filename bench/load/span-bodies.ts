/** Ingest payloads prepared ahead of a timed run, so the load generator only sends bytes. */
import type { SpanInput } from '../../src/generated/graphql';
import { submitSpansBody, type TrafficGenerator } from '../../src/demo';

export interface IngestBatch {
  spans: SpanInput[];
  /** The submitSpans request body for exactly these spans. */
  body: string;
}

/** `batches` batches of exactly `size` fresh spans each (traces may straddle batches, as in real traffic). */
export function ingestBatches(gen: TrafficGenerator, batches: number, size: number, startMs: number): IngestBatch[] {
  const pool: SpanInput[] = [];
  const out: IngestBatch[] = [];
  let t = startMs;
  while (out.length < batches) {
    while (pool.length < size) pool.push(...gen.nextTrace((t += 3)).spans);
    const spans = pool.splice(0, size);
    out.push({ spans, body: submitSpansBody(spans) });
  }
  return out;
}
