/**
 * What the live layer needs to know about a stored span. The gateway's stored span type satisfies it
 * structurally; the live layer passes the objects through untouched, so resolvers see exactly what the store
 * acknowledged.
 */
export type LiveStatus = 'UNSET' | 'OK' | 'ERROR';

export interface LiveSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly service: string;
  readonly operation: string;
  readonly status: LiveStatus;
  readonly durationUs: number;
}

/** Receives spans the store has acknowledged, in the order the store stored them. */
export type LiveSink<S extends LiveSpan> = (spans: readonly S[]) => void;
