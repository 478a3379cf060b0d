/** Hostile and legitimate query documents shared by the HTTP and WebSocket limit tests. */

/** `levels` of `children` below `trace(id).rootSpan` (operation type given, e.g. `query` or `subscription`-free). */
export function childrenChain(levels: number): string {
  return `query Deep($id: ID!) { trace(id: $id) { rootSpan { ${'children { '.repeat(levels)}spanId${' }'.repeat(levels)} } } }`;
}

/** 13 levels of `children` reached through named and inline fragments: depth 16 (limit 15). */
export const DEEP_THROUGH_FRAGMENTS = `query Deep($id: ID!) { trace(id: $id) { rootSpan { ...L1 } } }
fragment L1 on Span { children { ... on Span { ...L2 } } }
fragment L2 on Span { children { children { children { ...L3 } } } }
fragment L3 on Span { children { children { children { ... { children { children { children { children { children { children { spanId } } } } } } } } } } }`;

export function aliasFlood(count: number): string {
  return `query Flood { ${Array.from({ length: count }, (_, i) => `a${i}: traces(first: 1) { nodes { id } }`).join(' ')} }`;
}

export function directiveFlood(count: number): string {
  return `query Flood { services { ${Array.from({ length: count }, () => 'name @include(if: true)').join(' ')} } }`;
}

/** Depth 4, cost 1 + 100 + 100·100 > 5,000: fan-out without depth. */
export const FAN_OUT = `query FanOut { traces(first: 100) { nodes { spans { spanId } } } }`;
export const FAN_OUT_BY_VARIABLE = `query FanOut($n: Int) { traces(first: $n) { nodes { spans { spanId } } } }`;

/** Over 1,500 tokens. */
export const TOKEN_FLOOD = `query Long { services { ${'name '.repeat(1600)} } }`;

/** The same kinds of subscription documents, for graphql-ws. */
export function subscriptionChain(levels: number): string {
  return `subscription Deep { traceUpdated(traceId: "0af7651916cd43dd8448eb211c80319c") { trace { rootSpan { ${'children { '.repeat(levels)}spanId${' }'.repeat(levels)} } } } }`;
}

export const SUBSCRIPTION_FAN_OUT = `subscription FanOut { spansReceived { spans { trace { spans { trace { services { traces(first: 100) { nodes { id } } } } } } } } }`;

export function subscriptionAliasFlood(count: number): string {
  return `subscription Flood { spansReceived { ${Array.from({ length: count }, (_, i) => `a${i}: spans { spanId }`).join(' ')} } }`;
}

export function subscriptionDirectiveFlood(count: number): string {
  return `subscription Flood { spansReceived { spans { ${Array.from({ length: count }, () => 'spanId @include(if: true)').join(' ')} } } }`;
}

export const SUBSCRIPTION_TOKEN_FLOOD = `subscription Long { spansReceived { spans { ${'spanId '.repeat(1600)} } } }`;
