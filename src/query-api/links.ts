/**
 * The OTLP links of a stored span, as both APIs render them (Jaeger: FOLLOWS_FROM references). The OTLP mapping
 * keeps them in the attribute `otel.links` as `[{ traceId, spanId, traceState?, attributes }]`.
 */
import type { StoredSpan } from '../store';

export const LINKS_ATTRIBUTE = 'otel.links';

export interface SpanLinkRef {
  traceId: string;
  spanId: string;
}

const HEX_32 = /^[0-9a-f]{32}$/;
const HEX_16 = /^[0-9a-f]{16}$/;

export function linksOf(span: StoredSpan): SpanLinkRef[] {
  const value = span.attributes.find((a) => a.key === LINKS_ATTRIBUTE)?.value;
  if (!Array.isArray(value)) return [];
  return value.flatMap((l: unknown) => {
    if (typeof l !== 'object' || l === null) return [];
    const { traceId, spanId } = l as Record<string, unknown>;
    if (typeof traceId !== 'string' || typeof spanId !== 'string') return [];
    const t = traceId.toLowerCase();
    const s = spanId.toLowerCase();
    return HEX_32.test(t) && HEX_16.test(s) ? [{ traceId: t, spanId: s }] : [];
  });
}
