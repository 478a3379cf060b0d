/**
 * Span documents as a store keeps them (dates as BSON dates, ids as strings), built from the demo generator,
 * for scenarios that talk to the store directly. About 500 bytes of BSON each.
 */
import { ObjectId } from 'bson';
import type { SpanInput } from '../../src/generated/graphql';
import { fromIsoMicros, type TrafficGenerator } from '../../src/demo';

export interface SpanDoc {
  _id: ObjectId;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  operation: string;
  kind: string;
  startTime: Date;
  endTime: Date;
  durationUs: number;
  status: string;
  result: unknown;
  attributes: unknown;
  metrics: unknown;
}

export function toSpanDoc(s: SpanInput): SpanDoc {
  return {
    _id: new ObjectId(),
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId ?? null,
    service: s.service,
    operation: s.operation,
    kind: s.kind ?? 'INTERNAL',
    startTime: new Date(s.startTime),
    endTime: new Date(s.endTime),
    durationUs: fromIsoMicros(s.endTime) - fromIsoMicros(s.startTime),
    status: s.status ?? 'UNSET',
    result: s.result ?? null,
    attributes: s.attributes ?? [],
    metrics: s.metrics ?? [],
  };
}

/** At least `count` span documents (whole traces), and the trace ids they belong to. */
export function spanDocs(gen: TrafficGenerator, count: number): { docs: SpanDoc[]; traceIds: string[] } {
  const docs: SpanDoc[] = [];
  const traceIds: string[] = [];
  while (docs.length < count) {
    const t = gen.nextTrace();
    traceIds.push(t.traceId);
    for (const s of t.spans) docs.push(toSpanDoc(s));
  }
  return { docs, traceIds };
}


/** An endless supply of span documents taken in exact counts (traces may straddle two takes). */
export class SpanDocStream {
  private buffer: SpanDoc[] = [];
  /** Every trace id handed out so far, in order. */
  readonly traceIds: string[] = [];

  constructor(private readonly gen: TrafficGenerator) {}

  take(count: number): SpanDoc[] {
    while (this.buffer.length < count) {
      const t = this.gen.nextTrace();
      this.traceIds.push(t.traceId);
      for (const s of t.spans) this.buffer.push(toSpanDoc(s));
    }
    return this.buffer.splice(0, count);
  }
}
