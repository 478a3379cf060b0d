/**
 * Span reads ask the store only for the span parts (result, attributes, metrics, events, links, kind, end time and
 * duration, status) the request's document can read, and every span object of the request still carries every
 * part any of its fields reads.
 */
import type { CommandStartedEvent } from 'mongodb';
import { createSchema, spanPartsOf } from '../../src/graphql';
import { SPAN_FIELD_PARTS, TRACE_FIELD_PARTS, TRACE_SUMMARY_PARTS } from '../../src/graphql/projection';
import { parse, type GraphQLObjectType } from 'graphql';
import { startTestGateway, type GqlResponse, type TestGateway } from '../helpers/gateway';
import { at, newTraceId, span, spanId, SUBMIT } from './fixtures';

const FULL_SPAN = `spanId result { status code message data } attributes { key value } metrics { name value unit }
  events { time name attributes { key value } } links { traceId spanId }`;

describe('span reads follow the selection', () => {
  let gw: TestGateway;
  const traceId = newTraceId();
  const linkedTrace = newTraceId();
  /** Projections of the finds on `collection` while `fn` runs. */
  const findsOn = async (collection: string, fn: () => Promise<unknown>): Promise<(Record<string, unknown> | undefined)[]> => {
    const seen: (Record<string, unknown> | undefined)[] = [];
    const listener = (e: CommandStartedEvent) => {
      if (e.commandName === 'find' && e.command.find === collection) seen.push(e.command.projection as Record<string, unknown> | undefined);
    };
    gw.store.client.on('commandStarted', listener);
    try {
      await fn();
    } finally {
      gw.store.client.off('commandStarted', listener);
    }
    return seen;
  };
  const spanFinds = (fn: () => Promise<unknown>) => findsOn('spans', fn);

  beforeAll(async () => {
    gw = await startTestGateway();
    const rich = (n: number, parent: number | null) => ({
      ...span({ traceId, n, parent, service: n === 0 ? 'checkout' : 'payment', attributes: [{ key: 'n', value: n }] }),
      status: 'ERROR',
      result: { status: 'ERROR', code: `E${n}`, message: 'declined', data: { n } },
      metrics: [{ name: 'db.time', value: n + 0.5, unit: 'ms' }],
      events: [{ time: at(n * 100 + 1), name: `event-${n}`, attributes: [{ key: 'e', value: `v${n}` }] }],
      links: [{ traceId: linkedTrace, spanId: spanId(0) }],
    });
    const res = await gw.gql(SUBMIT, { spans: [rich(0, null), rich(1, 0), rich(2, 1), span({ traceId: linkedTrace, n: 0, service: 'batch' })] });
    expect(res.data?.submitSpans).toMatchObject({ accepted: 4, rejected: [] });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('reads no optional part for a listing of ids, names and tree links', async () => {
    let res: GqlResponse | undefined;
    const finds = await spanFinds(async () => {
      res = await gw.gql(`query($t: ID!) { trace(id: $t) { spans { spanId operation service { name } parent { spanId } children { spanId } } } }`, { t: traceId });
    });
    expect(res!.errors).toBeUndefined();
    expect(res!.data!.trace.spans.map((s: { spanId: string }) => s.spanId)).toEqual([spanId(0), spanId(1), spanId(2)]);
    expect(res!.data!.trace.spans[1]).toEqual({ spanId: spanId(1), operation: 'op-1', service: { name: 'payment' }, parent: { spanId: spanId(0) }, children: [{ spanId: spanId(2) }] });
    // trace(id) derives the trace's summary from its spans: their times and status are read.
    expect(finds).toEqual([{ _id: 0, receivedAt: 0, expireAt: 0, result: 0, attrs: 0, metrics: 0, events: 0, links: 0, kind: 0 }]);
  });

  it('reads neither kind, times nor status for a page of traces listing ids, names and tree links', async () => {
    let res: GqlResponse | undefined;
    const finds = await spanFinds(async () => {
      res = await gw.gql(`{ traces(first: 5) { nodes { id spans { spanId operation service { name } parent { spanId } children { spanId } } } } }`);
    });
    expect(res!.errors).toBeUndefined();
    const trace = res!.data!.traces.nodes.find((t: { id: string }) => t.id === traceId);
    expect(trace.spans[1]).toEqual({ spanId: spanId(1), operation: 'op-1', service: { name: 'payment' }, parent: { spanId: spanId(0) }, children: [{ spanId: spanId(2) }] });
    expect(finds).toEqual([{ _id: 0, receivedAt: 0, expireAt: 0, result: 0, attrs: 0, metrics: 0, events: 0, links: 0, kind: 0, endUs: 0, durationUs: 0, status: 0 }]);
  });

  it('reads the fields a page selects, and the times a service described from its span needs', async () => {
    const base = { _id: 0, receivedAt: 0, expireAt: 0, result: 0, attrs: 0, metrics: 0, events: 0, links: 0 };
    const cases: [string, Record<string, number>][] = [
      ['spanId kind', { ...base, endUs: 0, durationUs: 0, status: 0 }],
      ['spanId status', { ...base, kind: 0, endUs: 0, durationUs: 0 }],
      ['spanId endTime', { ...base, kind: 0, status: 0 }],
      ['spanId durationUs', { ...base, kind: 0, status: 0 }],
      ['spanId service { name operations }', { ...base, kind: 0, status: 0 }],
      ['spanId trace { id spanCount }', { ...base, kind: 0 }],
    ];
    for (const [selection, projection] of cases) {
      let res: GqlResponse | undefined;
      const finds = await spanFinds(async () => {
        res = await gw.gql(`{ traces(first: 5) { nodes { id spans { ${selection} } } } }`);
      });
      expect(res!.errors).toBeUndefined();
      expect({ selection, finds }).toEqual({ selection, finds: [projection] });
    }
    const res = await gw.gql(`{ traces(first: 5) { nodes { id spans { spanId kind status endTime durationUs service { name operations } } } } }`);
    const spans = res.data!.traces.nodes.find((t: { id: string }) => t.id === traceId).spans;
    expect(spans[2]).toEqual({ spanId: spanId(2), kind: 'INTERNAL', status: 'ERROR', endTime: expect.any(String), durationUs: expect.any(Number), service: { name: 'payment', operations: expect.any(Array) } });
    const whole = await gw.gql(`query($t: ID!) { trace(id: $t) { spans { spanId kind status endTime durationUs } } }`, { t: traceId });
    expect(whole.data!.trace.spans[2]).toEqual({ spanId: spanId(2), kind: spans[2].kind, status: spans[2].status, endTime: spans[2].endTime, durationUs: spans[2].durationUs });
  });

  it('reads of a page of traces only the summary fields its document selects, and answers them alike', async () => {
    const traceFinds = (fn: () => Promise<unknown>) => findsOn('traces', fn);
    const always = { svcOps: 0, attrs: 0, receivedAt: 0, expireAt: 0 };
    const cases: [string, Record<string, number>][] = [
      ['id', { ...always, endUs: 0, durationUs: 0, spanCount: 0, errorCount: 0, services: 0 }],
      ['id startTime status', { ...always, endUs: 0, durationUs: 0, services: 0 }],
      ['id durationUs', { ...always, spanCount: 0, errorCount: 0, services: 0 }],
      ['id services { name }', { ...always, endUs: 0, durationUs: 0, spanCount: 0, errorCount: 0 }],
      ['id spans { spanId trace { spanCount } }', { ...always, endUs: 0, durationUs: 0, services: 0 }],
      ['id spanCount errorCount status services { name } startTime endTime durationUs', always],
    ];
    for (const [selection, projection] of cases) {
      let res: GqlResponse | undefined;
      const finds = await traceFinds(async () => {
        res = await gw.gql(`{ traces(first: 5) { nodes { ${selection} } } }`);
      });
      expect(res!.errors).toBeUndefined();
      expect({ selection, finds }).toEqual({ selection, finds: [projection] });
    }
    // Ordered by duration, the duration is read for the cursor whatever is selected.
    const byDuration = await traceFinds(() => gw.gql(`{ traces(first: 5, orderBy: DURATION_DESC) { pageInfo { endCursor } nodes { id } } }`));
    expect(byDuration).toEqual([{ ...always, endUs: 0, spanCount: 0, errorCount: 0, services: 0 }]);
    const fields = ['spanCount', 'errorCount', 'status', 'services { name }', 'startTime', 'endTime', 'durationUs'];
    const whole = await gw.gql(`{ traces(first: 5) { nodes { id ${fields.join(' ')} } } }`);
    for (const field of fields) {
      const one = await gw.gql(`{ traces(first: 5) { nodes { id ${field} } } }`);
      const key = field.split(' ')[0]!;
      expect(one.data!.traces.nodes).toEqual(whole.data!.traces.nodes.map((t: Record<string, unknown>) => ({ id: t.id, [key]: t[key] })));
    }
    const ours = whole.data!.traces.nodes.find((t: { id: string }) => t.id === traceId);
    expect(ours).toMatchObject({ spanCount: 3, errorCount: 3, status: 'ERROR', services: [{ name: 'checkout' }, { name: 'payment' }] });
  });

  it('reads the parts a fragment selects, for every span of the batch that fragment may reach', async () => {
    // rootSpan and spans come from one read of the trace's spans: the fragment on rootSpan needs attributes and
    // events, so every span of that read carries them.
    const query = `
      fragment Heavy on Span { attributes { key value } events { name } }
      query($t: ID!) { trace(id: $t) { rootSpan { spanId ...Heavy } spans { spanId ... on Span { result { code data } } } } }`;
    let res: GqlResponse | undefined;
    const finds = await spanFinds(async () => {
      res = await gw.gql(query, { t: traceId });
    });
    expect(res!.errors).toBeUndefined();
    expect(res!.data!.trace.rootSpan).toEqual({ spanId: spanId(0), attributes: [{ key: 'n', value: 0 }], events: [{ name: 'event-0' }] });
    expect(res!.data!.trace.spans.map((s: { result: unknown }) => s.result)).toEqual([0, 1, 2].map((n) => ({ code: `E${n}`, data: { n } })));
    expect(finds).toEqual([{ _id: 0, receivedAt: 0, expireAt: 0, metrics: 0, links: 0, kind: 0 }]);
  });

  it('leaves out only the links when every other part is selected, and answers those parts alike', async () => {
    const allButLinks = FULL_SPAN.replace(' links { traceId spanId }', '');
    let res: GqlResponse | undefined;
    const finds = await spanFinds(async () => {
      res = await gw.gql(`query($t: ID!) { trace(id: $t) { spans { ${allButLinks} kind status endTime durationUs } } }`, { t: traceId });
    });
    expect(res!.errors).toBeUndefined();
    // Most span documents have no links field: this exclusion leaves them as stored, where one of the fields
    // every document has (the key, the retention dates) would have the store copy each.
    expect(finds).toEqual([{ links: 0 }]);
    const whole = await gw.gql(`query($t: ID!) { trace(id: $t) { spans { ${FULL_SPAN} kind status endTime durationUs } } }`, { t: traceId });
    expect(res!.data!.trace.spans).toEqual(whole.data!.trace.spans.map(({ links: _links, ...rest }: Record<string, unknown>) => rest));
    expect(res!.data!.trace.spans[2]).toMatchObject({ spanId: spanId(2), result: { code: 'E2' }, attributes: [{ key: 'n', value: 2 }], kind: 'INTERNAL', status: 'ERROR' });
  });

  it('answers every part, and the linked span, when everything is selected', async () => {
    const res = await gw.gql(`query($t: ID!) { trace(id: $t) { spans { ${FULL_SPAN} } } span(traceId: $t, spanId: "${spanId(1)}") { links { span { spanId service { name } } } } }`, { t: traceId });
    expect(res.errors).toBeUndefined();
    expect(res.data!.trace.spans[2]).toEqual({
      spanId: spanId(2),
      result: { status: 'ERROR', code: 'E2', message: 'declined', data: { n: 2 } },
      attributes: [{ key: 'n', value: 2 }],
      metrics: [{ name: 'db.time', value: 2.5, unit: 'ms' }],
      events: [{ time: at(201), name: 'event-2', attributes: [{ key: 'e', value: 'v2' }] }],
      links: [{ traceId: linkedTrace, spanId: spanId(0) }],
    });
    expect(res.data!.span.links).toEqual([{ span: { spanId: spanId(0), service: { name: 'batch' } } }]);
  });

  it('classifies every field of Span and Trace in the schema', () => {
    const schema = createSchema();
    const unclassified = [
      ...Object.keys((schema.getType('Span') as GraphQLObjectType).getFields()).filter((f) => !Object.hasOwn(SPAN_FIELD_PARTS, f)).map((f) => `Span.${f}`),
      ...Object.keys((schema.getType('Trace') as GraphQLObjectType).getFields()).filter((f) => !Object.hasOwn(TRACE_FIELD_PARTS, f)).map((f) => `Trace.${f}`),
      ...Object.keys((schema.getType('Trace') as GraphQLObjectType).getFields()).filter((f) => !Object.hasOwn(TRACE_SUMMARY_PARTS, f)).map((f) => `Trace summary: ${f}`),
    ];
    expect(unclassified).toEqual([]);
  });

  it('counts a field it does not know as reading every part', () => {
    // A schema with a Span field the tables do not list, as a new feature would add.
    const schema = createSchema();
    const known = spanPartsOf(parse('{ span(traceId: "x", spanId: "y") { spanId } }'), schema);
    expect([...known]).toEqual([]);
    expect([...spanPartsOf(parse('{ trace(id: "x") { spans { spanId } } }'), schema)].sort()).toEqual(['status', 'times']);
    const span = schema.getType('Span') as GraphQLObjectType;
    const fields = span.getFields();
    fields.newField = { ...fields.operation!, name: 'newField' };
    expect([...spanPartsOf(parse('{ span(traceId: "x", spanId: "y") { newField } }'), schema)].sort()).toEqual(['attributes', 'events', 'kind', 'links', 'metrics', 'result', 'status', 'times']);
  });
});
