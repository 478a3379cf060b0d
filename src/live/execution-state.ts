/**
 * Per-execution facts a subscription resolver tells the shared execution layer, keyed by the execution's context
 * object (so the gateway's context type needs no live-specific field).
 */
export interface ExecutionState {
  /** The first message depends on this subscriber (e.g. includeExisting): never share the execution. */
  exclusive: boolean;
  /** Spans in the event being executed: the weight of the result in subscriber queues. */
  lastWeight: number;
}

const states = new WeakMap<object, ExecutionState>();

export function executionState(context: unknown): ExecutionState {
  if (typeof context !== 'object' || context === null) return { exclusive: false, lastWeight: 1 };
  let state = states.get(context);
  if (!state) {
    state = { exclusive: false, lastWeight: 1 };
    states.set(context, state);
  }
  return state;
}
