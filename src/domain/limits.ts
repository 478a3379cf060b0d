/**
 * Ingest caps. Every cap is enforced before anything is stored: per-span caps
 * reject that span with a code; whole-request caps fail the request with PAYLOAD_TOO_LARGE.
 */
export interface IngestLimits {
  /** Spans in one submit call; above it the whole request fails (PAYLOAD_TOO_LARGE), nothing stored. */
  maxSpansPerRequest: number;
  /** Request body bytes at the HTTP layer (413 PAYLOAD_TOO_LARGE). */
  maxBodyBytes: number;
  /** Attributes on one span (TOO_MANY_ATTRIBUTES); events' attributes count separately, same cap. */
  maxAttributesPerSpan: number;
  /** Attribute key length in characters (STRING_TOO_LONG). */
  maxAttributeKeyLength: number;
  /** Any string inside an attribute value, a result code or message (STRING_TOO_LONG). */
  maxStringLength: number;
  /** Serialised JSON size of one attribute value that is an array or object (TOO_LARGE). */
  maxAttributeValueBytes: number;
  /** Events on one span (TOO_MANY_EVENTS). */
  maxEventsPerSpan: number;
  /** Links on one span (TOO_LARGE); their attributes count like an event's. */
  maxLinksPerSpan: number;
  /** Metrics on one span (TOO_LARGE). */
  maxMetricsPerSpan: number;
  /** Serialised JSON size of `result.data` (TOO_LARGE). */
  maxResultDataBytes: number;
  /** Service, operation, event and metric names (STRING_TOO_LONG). */
  maxNameLength: number;
  /** How far a span's end may lie beyond the server clock (TOO_FAR_IN_FUTURE). */
  maxFutureSkewMs: number;
}

export const DEFAULT_INGEST_LIMITS: Readonly<IngestLimits> = Object.freeze({
  maxSpansPerRequest: 5_000,
  maxBodyBytes: 5 * 1024 * 1024,
  maxAttributesPerSpan: 128,
  maxAttributeKeyLength: 256,
  maxStringLength: 4_096,
  maxAttributeValueBytes: 16 * 1024,
  maxEventsPerSpan: 128,
  maxMetricsPerSpan: 128,
  maxLinksPerSpan: 128,
  maxResultDataBytes: 64 * 1024,
  maxNameLength: 256,
  maxFutureSkewMs: 10 * 60_000,
});
