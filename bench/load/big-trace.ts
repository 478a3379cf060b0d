/**
 * A trace of exactly `n` spans: demo chains joined under the first chain's root (as a batch job fanning out
 * to many checkouts would look). Spans are taken parents-first, so every kept span's parent is kept too.
 */
import type { SpanInput } from '../../src/generated/graphql';
import { fromIsoMicros, type TrafficGenerator } from '../../src/demo';

export function bigTrace(gen: TrafficGenerator, n: number, startMs: number): { traceId: string; spans: SpanInput[] } {
  const first = gen.nextTrace(startMs);
  const traceId = first.traceId;
  const rootId = first.spans.find((s) => s.parentSpanId == null)!.spanId;
  const chains: SpanInput[][] = [byStart(first.spans)];
  let count = first.spans.length;
  let t = startMs;
  while (count < n) {
    const chain = gen.nextTrace((t += 1)).spans.map((s) => ({ ...s, traceId, parentSpanId: s.parentSpanId ?? rootId }));
    chains.push(byStart(chain));
    count += chain.length;
  }
  return { traceId, spans: chains.flat().slice(0, n) };
}

function byStart(spans: SpanInput[]): SpanInput[] {
  return [...spans].sort((a, b) => fromIsoMicros(a.startTime) - fromIsoMicros(b.startTime));
}
