import { getIntrospectionQuery, parse, specifiedRules, validate, type GraphQLError } from 'graphql';
import { ErrorCode } from '../../../src/errors';
import {
  DEFAULT_QUERY_LIMITS,
  aliasLimitRule,
  checkOperation,
  costLimitRule,
  costVariables,
  countTokensUpTo,
  depthLimitRule,
  directiveLimitRule,
  documentRules,
} from '../../../src/server/limits';
import { apiSchema } from './schema';

const schema = apiSchema();
const limits = DEFAULT_QUERY_LIMITS;

function errorsOf(query: string, rules = documentRules(limits, { production: false })): readonly GraphQLError[] {
  return validate(schema, parse(query), [...specifiedRules, ...rules]);
}

function limitOf(errors: readonly GraphQLError[]): unknown[] {
  return errors.map((e) => [e.extensions.code, e.extensions.limit]);
}

// A `children` chain of `levels` below trace(id).rootSpan, ending in a leaf.
function childrenChain(levels: number, leaf = 'spanId'): string {
  return `{ trace(id: "a") { rootSpan { ${'children { '.repeat(levels)}${leaf}${' }'.repeat(levels)} } } }`;
}

describe('depth limit', () => {
  it('allows 12 levels of children below the root span (depth 15) and refuses 13', () => {
    expect(errorsOf(childrenChain(12))).toEqual([]);
    const errors = errorsOf(childrenChain(13));
    expect(limitOf(errors)).toEqual([[ErrorCode.QUERY_TOO_COMPLEX, 'depth']]);
    expect(errors[0]!.extensions).toMatchObject({ allowed: 15, found: 16 });
    expect(errors[0]!.message).toMatch(/at most 15 levels.*received 16/);
  });

  it('counts depth through named fragments and inline fragments', () => {
    const viaFragments = `
      query Deep { trace(id: "a") { rootSpan { ...L1 } } }
      fragment L1 on Span { children { ... on Span { ...L2 } } }
      fragment L2 on Span { children { children { children { ...L3 } } } }
      fragment L3 on Span { children { children { children { ... { children { children { children { children { children { LEAF } } } } } } } } } }`;
    // trace 1, rootSpan 2, children 3..14 (12 levels), leaf 15: allowed; one more children level: 16
    expect(errorsOf(viaFragments.replace('LEAF', 'spanId'))).toEqual([]);
    const errors = errorsOf(viaFragments.replace('LEAF', 'children { spanId }'));
    expect(limitOf(errors)).toEqual([[ErrorCode.QUERY_TOO_COMPLEX, 'depth']]);
    expect(errors[0]!.extensions.found).toBe(16);
  });

  it('does not loop on fragment cycles (graphql-js reports the cycle)', () => {
    const errors = errorsOf(`{ trace(id: "a") { rootSpan { ...A } } } fragment A on Span { children { ...A } }`);
    expect(errors.map((e) => e.message).join()).toMatch(/Cannot spread fragment "A" within itself/);
  });

  it('measures a fragment bomb (each fragment spreads the next twice) in linear time', () => {
    const n = 60;
    let doc = `{ trace(id: "a") { rootSpan { ...F0 } } }\n`;
    for (let i = 0; i < n; i++) doc += `fragment F${i} on Span { spanId ...F${i + 1} ...F${i + 1} }\n`;
    doc += `fragment F${n} on Span { spanId }`;
    // 2^60 expanded spreads: only memoisation lets this finish at all.
    const errors = validate(schema, parse(doc), [depthLimitRule(15), aliasLimitRule(15), directiveLimitRule(10), costLimitRule(limits)]);
    expect(errors).toEqual([]);
  });
});

describe('alias limit', () => {
  it('allows 15 aliases and refuses 16, counting a fragment once per spread', () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: spanId`).join(' ');
    expect(errorsOf(`{ span(traceId: "a", spanId: "b") { ${fields(15)} } }`)).toEqual([]);
    expect(limitOf(errorsOf(`{ span(traceId: "a", spanId: "b") { ${fields(16)} } }`))).toEqual([[ErrorCode.QUERY_TOO_COMPLEX, 'aliases']]);
    const spread = `{ s1: span(traceId: "a", spanId: "b") { ...F } s2: span(traceId: "a", spanId: "c") { ...F } }
      fragment F on Span { ${fields(7)} }`;
    // 2 + 7 * 2 = 16
    expect(errorsOf(spread)[0]!.extensions).toMatchObject({ limit: 'aliases', found: 16 });
  });
});

describe('directive limit', () => {
  it('allows 10 directives per operation and refuses 11, including those in fragments', () => {
    const fields = (n: number) => Array.from({ length: n }, () => `spanId @include(if: true)`).join(' ');
    expect(errorsOf(`{ span(traceId: "a", spanId: "b") { ${fields(10)} } }`)).toEqual([]);
    expect(limitOf(errorsOf(`{ span(traceId: "a", spanId: "b") { ${fields(11)} } }`))).toEqual([[ErrorCode.QUERY_TOO_COMPLEX, 'directives']]);
    const viaFragment = `{ span(traceId: "a", spanId: "b") { ...F @skip(if: false) ...F } } fragment F on Span { ${fields(5)} }`;
    expect(errorsOf(viaFragment)[0]!.extensions).toMatchObject({ limit: 'directives', found: 11 });
  });
});

describe('cost limit', () => {
  const cost = (query: string, variables?: Record<string, unknown>) => validate(schema, parse(query), [costLimitRule(limits, variables)]);

  it('names the variables its estimate reads: those given as `first`, in fragments too', () => {
    const query = `query Q($id: ID!, $n: Int, $m: Int, $order: TraceOrder) {
      trace(id: $id) { id }
      traces(first: $n, orderBy: $order) { nodes { ...S } }
    }
    fragment S on Trace { services { traces(first: $m) { nodes { id } } } }`;
    expect(costVariables(parse(query))).toEqual(['m', 'n']);
    expect(costVariables(parse(`{ traces(first: 5) { nodes { id } } }`))).toEqual([]);
  });

  it('accepts the everyday queries of a trace UI', () => {
    expect(cost(`{ traces(first: 20) { nodes { id spanCount spans { spanId operation service { name } attributes { key value } } } } }`)).toEqual([]);
    expect(cost(childrenChain(12, 'spanId operation service { name } events { name }'))).toEqual([]);
    expect(cost(`{ services { name operations traces(first: 5) { nodes { id durationUs } } } }`)).toEqual([]);
    // the nested chain view at the default page size: 1 + 20 + 20*50*(1 + 1 + 1 + 1) = 4021
    expect(cost(`{ traces { nodes { id spans { spanId service { name } parent { spanId } children { spanId } } } } }`)).toEqual([]);
  });

  it('multiplies by first: fan-out within the depth limit is refused', () => {
    // 1 + 100 nodes + 100*50 spans > 5000, at depth 3
    const errors = cost(`{ traces(first: 100) { nodes { spans { spanId } } } }`);
    expect(errors[0]!.extensions).toMatchObject({ code: ErrorCode.QUERY_TOO_COMPLEX, limit: 'cost', found: 5101 });
    // the same shape with first: 20 is fine (1 + 20 + 1000)
    expect(cost(`{ traces(first: 20) { nodes { spans { spanId } } } }`)).toEqual([]);
  });

  it('reads first from variables, variable defaults, or assumes the maximum when unknown', () => {
    const query = `query Q($n: Int) { traces(first: $n) { nodes { spans { spanId } } } }`;
    expect(cost(query, { n: 20 })).toEqual([]);
    expect(cost(query, { n: 100 })[0]!.extensions.found).toBe(5101);
    expect(cost(query, {})).toEqual([]); // omitted: the schema default 20
    expect(cost(query)[0]!.extensions.found).toBe(5101); // values unknown: maxFirst
    expect(cost(`query Q($n: Int = 30) { traces(first: $n) { nodes { spans { spanId } } } }`)).toEqual([]);
  });

  it('gives nested children the tree allowance but not children reached again through parent', () => {
    // each level of a tree holds at most the trace's spans
    expect(cost(childrenChain(12))).toEqual([]);
    const repeated = `{ trace(id: "a") { spans { children { parent { children { parent { children { spanId } } } } } } } }`;
    expect(cost(repeated)[0]!.extensions).toMatchObject({ limit: 'cost' });
  });

  it('gives children of Trace.spans the same allowance, but not spans reached again through Span.trace', () => {
    const everyField = `{ trace(id: "a") { services { name } rootSpan { spanId } spans { spanId parent { spanId } children { spanId } trace { id } service { name } } } }`;
    // 1 + 10 + 1 + 50 * (1 + 1 + 1 + 1 + 1): the children of all spans of a trace are at most its spans
    expect(cost(everyField)).toEqual([]);
    const again = `{ trace(id: "a") { spans { trace { spans { trace { spans { spanId } } } } } } }`;
    expect(cost(again)[0]!.extensions).toMatchObject({ limit: 'cost', found: 1 + 50 * (1 + 1 + 50 * (1 + 1 + 50)) });
  });

  it('measures nested connections through trace.services and service.traces', () => {
    const fanOut = `{ traces(first: 20) { nodes { services { traces(first: 20) { nodes { id } } } } } }`;
    // 1 + 20 + 20*10*(1 + 1 + 20) = 4421: allowed; with edges as well it doubles past the limit
    expect(cost(fanOut)).toEqual([]);
    const doubled = `{ traces(first: 20) { nodes { services { traces(first: 20) { nodes { id } edges { node { id } } } } } } }`;
    expect(cost(doubled)[0]!.extensions).toMatchObject({ limit: 'cost' });
  });
});

describe('tokens and introspection', () => {
  it('counts tokens like graphql-js (comments excluded) and stops at the bound', () => {
    expect(countTokensUpTo('{ a b } # c d e', 100)).toBe(4);
    expect(countTokensUpTo('{ ' + 'a '.repeat(5000) + '}', 1501)).toBe(1501);
  });

  it('checkOperation refuses an over-long document before validating it', () => {
    const query = `{ span(traceId: "a", spanId: "b") { ${'spanId '.repeat(1600)} } }`;
    const result = checkOperation(schema, query, {}, limits, { production: false });
    expect(result.kind).toBe('invalid');
    if (result.kind === 'invalid') expect(result.errors[0]!.extensions).toMatchObject({ code: ErrorCode.QUERY_TOO_COMPLEX, limit: 'tokens' });
  });

  it('allows the standard introspection query in development and refuses it in production', () => {
    const query = getIntrospectionQuery();
    expect(checkOperation(schema, query, {}, limits, { production: false }).kind).toBe('valid');
    const prod = checkOperation(schema, query, {}, limits, { production: true });
    expect(prod.kind).toBe('invalid');
    if (prod.kind === 'invalid') expect(prod.errors[0]!.message).toMatch(/introspection/i);
  });

  it('hides "Did you mean" suggestions in production only', () => {
    const query = `{ trace(id: "a") { spam } }`;
    const dev = checkOperation(schema, query, {}, limits, { production: false });
    const prod = checkOperation(schema, query, {}, limits, { production: true });
    expect(dev.kind === 'invalid' && dev.errors[0]!.message).toMatch(/Did you mean/);
    expect(prod.kind === 'invalid' && prod.errors[0]!.message).toBe('Cannot query field "spam" on type "Trace".');
  });
});
