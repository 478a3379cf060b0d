/**
 * Public error codes: the `extensions.code` of every GraphQL error and the `code` of every HTTP error body.
 * Clients match on these; add with intention, never rename. Private error classes map onto them at the edge.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  RATE_LIMITED: 'RATE_LIMITED',
  SLOW_CONSUMER: 'SLOW_CONSUMER',
  /** A live subscription lost its place in the store's change history; re-subscribe with includeExisting. */
  LIVE_GAP: 'LIVE_GAP',
  /** The instance is stopping; the request was not processed. Retry, another instance will answer. */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * An error whose message is safe to show to the client, with its public code.
 * Anything thrown that is not a TracegateError is masked at the edge (generic message + request id).
 */
export class TracegateError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'TracegateError';
  }
}
