/**
 * The OTLP links of a stored span, as the query APIs render them (Jaeger: FOLLOWS_FROM references). Spans stored
 * before links were first-class carry them in the attribute `otel.links` (`[{ traceId, spanId, ... }]`); those
 * are read too, so older traces keep their references.
 */
import type { StoredSpan } from '../store';

export const LEGACY_LINKS_ATTRIBUTE = 'otel.links';

export interface SpanLinkRef {
  traceId: string;
  spanId: string;
}

const HEX_32 = /^[0-9a-f]{32}$/;
const HEX_16 = /^[0-9a-f]{16}$/;

export function linksOf(span: StoredSpan): SpanLinkRef[] {
  const own = (span.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId }));
  const legacy = span.attributes.find((a) => a.key === LEGACY_LINKS_ATTRIBUTE)?.value;
  if (!Array.isArray(legacy)) return own;
  return [
    ...own,
    ...legacy.flatMap((l: unknown) => {
      if (typeof l !== 'object' || l === null) return [];
      const { traceId, spanId } = l as Record<string, unknown>;
      if (typeof traceId !== 'string' || typeof spanId !== 'string') return [];
      const t = traceId.toLowerCase();
      const s = spanId.toLowerCase();
      return HEX_32.test(t) && HEX_16.test(s) ? [{ traceId: t, spanId: s }] : [];
    }),
  ];
}
