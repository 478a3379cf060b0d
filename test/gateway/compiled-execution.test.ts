/**
 * Repeated queries run compiled (graphql-jit); a compiled run answers exactly what graphql-js answers: the same
 * data, the same errors (message, path, locations, code after masking), the same store commands.
 */
import { buildSchema, execute, parse, type GraphQLSchema } from 'graphql';
import { compiledExecution } from '../../src/graphql';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { at, newTraceId, span, spanId, SUBMIT } from './fixtures';

const EVERY_FIELD = `query Every($t: ID!, $withEvents: Boolean!) {
  trace(id: $t) {
    id spanCount errorCount status startTime endTime durationUs __typename
    services { name operations spanCount firstSeen lastSeen }
    rootSpan { spanId ...Tree }
    spans {
      spanId parentSpanId operation kind startTime endTime durationUs status redactedCount
      service { name } svc: service { name spanCount }
      result { status code message data } attributes { key value } metrics { name value unit }
      events @include(if: $withEvents) { time name attributes { key value } }
      parent { spanId } trace { id }
    }
  }
}
fragment Tree on Span { children { spanId children { spanId operation } } }`;

const PAGE = `query Page($first: Int, $after: String) {
  traces(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id spans { spanId operation service { name } parent { spanId } children { spanId } } } }
  }
}`;

describe('compiled execution', () => {
  let gw: TestGateway;
  const traceId = newTraceId();

  beforeAll(async () => {
    gw = await startTestGateway();
    const spans = [0, 1, 2, 3].map((n) => ({
      ...span({ traceId, n, parent: n === 0 ? null : n === 3 ? 1 : 0, service: n % 2 ? 'payment' : 'checkout', attributes: [{ key: 'n', value: { n, list: [n, 'x'] } }] }),
      result: n === 2 ? { status: 'ERROR', code: 'DECLINED', message: 'no funds', data: { retry: false } } : null,
      status: n === 2 ? 'ERROR' : 'OK',
      metrics: [{ name: 'db.time', value: n / 4, unit: n ? 'ms' : null }],
      events: [{ time: at(n * 100 + 7), name: `e${n}` }],
    }));
    const res = await gw.gql(SUBMIT, { spans });
    expect(res.data?.submitSpans).toMatchObject({ accepted: 4, rejected: [] });
  });
  afterAll(async () => {
    await gw.stop();
  });

  /** The raw body and store commands of each of `runs` identical requests (the first runs on graphql-js). */
  const repeat = async (query: string, variables: Record<string, unknown>, runs = 3): Promise<{ text: string; commands: string[] }[]> => {
    const out: { text: string; commands: string[] }[] = [];
    for (let i = 0; i < runs; i++) {
      let text = '';
      const { commands } = await gw.countCommands(async () => {
        text = (await gw.gql(query, variables)).text;
      });
      // Each response names its own request id; nothing else may differ.
      out.push({ text: text.replace(/"requestId":"[^"]*"/g, '"requestId":"-"'), commands });
    }
    return out;
  };

  it('answers a query selecting every span field the same, interpreted and compiled', async () => {
    for (const withEvents of [true, false]) {
      const [first, ...rest] = await repeat(EVERY_FIELD, { t: traceId, withEvents });
      const body = JSON.parse(first!.text);
      expect(body.errors).toBeUndefined();
      expect(body.data.trace.spans).toHaveLength(4);
      expect(body.data.trace.spans[2]).toMatchObject({ status: 'ERROR', result: { code: 'DECLINED', data: { retry: false } }, attributes: [{ key: 'n', value: { n: 2, list: [2, 'x'] } }] });
      expect(body.data.trace.rootSpan.children.map((c: { spanId: string }) => c.spanId)).toEqual([spanId(1), spanId(2)]);
      expect('events' in body.data.trace.spans[0]).toBe(withEvents);
      for (const run of rest) {
        expect(run.text).toBe(first!.text);
        expect(run.commands).toEqual(first!.commands);
      }
    }
  });

  it('pages the same, interpreted and compiled', async () => {
    const runs = await repeat(PAGE, { first: 1 });
    expect(JSON.parse(runs[0]!.text).data.traces.edges).toHaveLength(1);
    for (const run of runs.slice(1)) expect(run).toEqual(runs[0]);
  });

  it('reports a resolver error and a bad variable the same, interpreted and compiled', async () => {
    const IDS = `query Ids($first: Int, $after: String) {
  traces(first: $first, after: $after) { nodes { id } }
}`;
    const tooMany = await repeat(IDS, { first: 101 });
    expect(JSON.parse(tooMany[0]!.text).errors[0]).toMatchObject({
      message: 'first: expected an integer from 1 to 100, received 101',
      path: ['traces'],
      locations: [{ line: 2, column: 3 }],
      extensions: { code: 'BAD_USER_INPUT' },
    });
    for (const run of tooMany.slice(1)) expect(run.text).toBe(tooMany[0]!.text);
    const badVariable = await repeat(IDS, { first: 'ten' });
    expect(JSON.parse(badVariable[0]!.text).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    for (const run of badVariable.slice(1)) expect(run.text).toBe(badVariable[0]!.text);
    const badCursor = await repeat(IDS, { first: 1, after: 'not-a-cursor' });
    expect(JSON.parse(badCursor[0]!.text).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    for (const run of badCursor.slice(1)) expect(run.text).toBe(badCursor[0]!.text);
  });

  it('answers submitSpans the same, interpreted and compiled: stored spans, span rejections, bad variables, a refused request', async () => {
    // Fresh spans each run (the first run is interpreted, the later ones compiled): the same answer, each stored.
    const fresh = [newTraceId(), newTraceId(), newTraceId()];
    const texts: string[] = [];
    for (const id of fresh) {
      const spans = [span({ traceId: id, n: 0 }), { ...span({ traceId: id, n: 1, parent: 0 }), kind: 'CLIENT', attributes: [{ key: 'k', value: [1, { a: 'b' }] }] }];
      texts.push((await gw.gql(SUBMIT, { spans })).text);
    }
    expect(JSON.parse(texts[0]!)).toEqual({ data: { submitSpans: { accepted: 2, duplicates: 0, rejected: [] } } });
    for (const text of texts.slice(1)) expect(text).toBe(texts[0]);
    for (const id of fresh) {
      const read = await gw.gql(`{ trace(id: "${id}") { spanCount spans { kind status attributes { key value } } } }`);
      expect(read.data?.trace).toEqual({
        spanCount: 2,
        spans: [
          { kind: 'INTERNAL', status: 'OK', attributes: [] },
          { kind: 'CLIENT', status: 'OK', attributes: [{ key: 'k', value: [1, { a: 'b' }] }] },
        ],
      });
    }
    // Coerced by GraphQL (an integer ID), then refused span by span by the ingest checks.
    const rejected = await repeat(SUBMIT, { spans: [{ ...span({ traceId: 'zz', n: 0 }) }, { ...span({ traceId: newTraceId(), n: 0 }), traceId: 12 }] });
    expect(JSON.parse(rejected[0]!.text).data.submitSpans).toMatchObject({ accepted: 0, rejected: [{ index: 0, code: 'INVALID_TRACE_ID' }, { index: 1, code: 'INVALID_TRACE_ID' }] });
    for (const run of rejected.slice(1)) expect(run).toEqual(rejected[0]);
    // Not a SpanInput list: graphql-js's own error, whichever way the operation runs; nothing reaches the store.
    for (const spans of [[{ traceId: true }], [{ ...span({ traceId: newTraceId(), n: 0 }), color: 'red' }], 'a span', [{ ...span({ traceId: newTraceId(), n: 0 }), kind: 'SIDEWAYS' }]]) {
      const bad = await repeat(SUBMIT, { spans });
      const body = JSON.parse(bad[0]!.text);
      expect(body.data).toBeUndefined();
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(body.errors[0].message).toMatch(/^Variable "\$spans" got invalid value/);
      for (const run of bad) expect(run).toEqual({ text: bad[0]!.text, commands: [] });
    }
    // A request refused whole by the resolver: the same error and HTTP status.
    const huge = Array.from({ length: 5001 }, () => ({}));
    const statuses: number[] = [];
    const bodies: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await gw.gql(SUBMIT, { spans: huge.map((_, n) => span({ traceId: 'ab', n })) });
      statuses.push(res.status);
      bodies.push(res.text.replace(/"requestId":"[^"]*"/g, '"requestId":"-"'));
    }
    expect(statuses).toEqual([413, 413, 413]);
    expect(JSON.parse(bodies[0]!).errors[0]).toMatchObject({ extensions: { code: 'PAYLOAD_TOO_LARGE' }, path: ['submitSpans'] });
    for (const body of bodies.slice(1)) expect(body).toBe(bodies[0]);
  });
});

describe('compiledExecution, against graphql-js execute', () => {
  const schema: GraphQLSchema = buildSchema(`
    type Query { item(id: Int!): Item items: [Item!]! }
    type Item { id: Int! name: String! tags: [String!]! broken: String! failing: String }
  `);
  const items = [1, 2, 3].map((id) => ({ id, name: `item ${id}`, tags: id === 2 ? ['a', null] : ['a'] }));
  const Query = schema.getQueryType()!.getFields();
  Query.item!.resolve = (_root, { id }: { id: number }) => items.find((i) => i.id === id) ?? null;
  Query.items!.resolve = async () => items;
  const Item = (schema.getType('Item') as import('graphql').GraphQLObjectType).getFields();
  Item.broken!.resolve = () => null;
  Item.failing!.resolve = async (item: { id: number }) => {
    throw Object.assign(new Error(`item ${item.id} failed`), { extensions: { code: 'STORE_UNAVAILABLE' } });
  };

  const both = async (query: string, variables: Record<string, unknown> = {}) => {
    const document = parse(query);
    const operation = document.definitions[0] as import('graphql').OperationDefinitionNode;
    const run = compiledExecution(schema, { compileAfter: 1 });
    const compiled = await run({ document, operation, variables, contextValue: {} });
    const interpreted = await execute({ schema, document, variableValues: variables, contextValue: {} });
    return { compiled, interpreted };
  };

  it('returns the same data and the same located errors, wrapping the same original errors', async () => {
    for (const query of [
      '{ items { id name failing } }',
      '{ items { id tags } }',
      '{ items { id broken } }',
      'query($id: Int!) { item(id: $id) { name failing } }',
    ]) {
      const { compiled, interpreted } = await both(query, { id: 2 });
      expect(JSON.parse(JSON.stringify(compiled))).toEqual(JSON.parse(JSON.stringify(interpreted)));
      expect(compiled.errors?.length).toBe(interpreted.errors?.length);
      compiled.errors?.forEach((error, i) => {
        const expected = interpreted.errors![i]!;
        expect(error.constructor).toBe(expected.constructor);
        expect(error.extensions).toEqual(expected.extensions);
        expect(error.originalError?.message).toBe(expected.originalError?.message);
      });
    }
  });

  it('coerces a mutation\'s input objects as graphql-js does, and reports a bad one with graphql-js\'s errors', async () => {
    const mutable: GraphQLSchema = buildSchema(`
      enum Kind { A B }
      input Part { name: String! kind: Kind = A size: Float tags: [String!] data: Inner count: Int flag: Boolean }
      input Inner { id: ID! more: [Leaf!] }
      input Leaf { id: ID! }
      type Query { ok: Boolean }
      type Mutation { put(parts: [Part!]!): String! }
    `);
    const received: unknown[] = [];
    (mutable.getMutationType()!.getFields().put!).resolve = (_root, args) => {
      received.push(args.parts);
      // Keys sorted: a default written into a received object comes after the fields that were there.
      return JSON.stringify(args, (_key, value: unknown) =>
        value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))) : value,
      );
    };
    const document = parse('mutation Put($parts: [Part!]!) { put(parts: $parts) }');
    const operation = document.definitions[0] as import('graphql').OperationDefinitionNode;
    const run = compiledExecution(mutable, { compileAfter: 1 });
    const cases: unknown[] = [
      [{ name: 'a' }, { name: 'b', kind: 'B', size: 2.5, tags: 'one', data: { id: 7, more: [{ id: 'x' }] } }, { name: 'c', kind: null, size: null, data: null }],
      [{ name: 'a', tags: [] }, { name: 'b', kind: 'B', size: 2, tags: ['t'], data: { id: '7', more: [{ id: 'x' }] } }, { name: 'c', kind: null, data: null }],
      [{ name: 'a', tags: ['t', null] }],
      [{ name: 'a', data: { id: '1', more: { id: '2' } } }],
      [{ name: 'a', kind: 'B', size: Infinity }],
      [{ name: null }],
      { name: 'lone' },
      [{ name: 'a', kind: 'C' }],
      [{ name: 1 }],
      [{ name: 'a', size: 'big' }],
      [{ name: 'a', extra: true }],
      [{ kind: 'A' }],
      [{ name: 'a', data: { id: 1.5 } }],
      [{ name: 'a', count: 3, flag: false }],
      [{ name: 'a', count: 2.5 }],
      [{ name: 'a', count: 2 ** 31 }],
      [{ name: 'a', flag: 'yes' }],
      [{ name: 'a', extra: undefined }],
      [{ name: 'a', toString: 'x' }],
      null,
      Array.from({ length: 60 }, () => ({ name: 2 })),
    ];
    for (const parts of cases) {
      const compiled = await run({ document, operation, variables: { parts }, contextValue: {} });
      const interpreted = await execute({ schema: mutable, document, variableValues: { parts }, contextValue: {} });
      expect(JSON.parse(JSON.stringify(compiled))).toEqual(JSON.parse(JSON.stringify(interpreted)));
    }
    // A recursive input type is not compiled (graphql-jit would unroll it without end): graphql-js runs it.
    const nested: GraphQLSchema = buildSchema('input Node { id: ID! kids: [Node!] } type Query { ok: Boolean } type Mutation { put(node: Node!): String! }');
    (nested.getMutationType()!.getFields().put!).resolve = (_root, args) => JSON.stringify(args);
    const nestedDocument = parse('mutation($node: Node!) { put(node: $node) }');
    const runNested = compiledExecution(nested, { compileAfter: 1 });
    for (const node of [{ id: 1, kids: [{ id: 2, kids: [{ id: 3 }] }] }, { id: 1, kids: [{ kids: [] }] }]) {
      const request = { document: nestedDocument, operation: nestedDocument.definitions[0] as import('graphql').OperationDefinitionNode, variables: { node }, contextValue: {} };
      expect(await runNested(request)).toEqual(await execute({ schema: nested, document: nestedDocument, variableValues: { node }, contextValue: {} }));
    }
    // Variables that coercion leaves as they are reach the resolver uncopied, with the defaults written into them.
    const exact = [{ name: 'a' }, { name: 'b', kind: 'B', tags: ['t'], data: { id: '7', more: [{ id: 'x' }] } }];
    received.length = 0;
    const answered = await run({ document, operation, variables: { parts: exact }, contextValue: {} });
    expect(received[0]).toBe(exact);
    expect(exact[0]).toEqual({ name: 'a', kind: 'A' });
    expect(JSON.parse((answered.data as { put: string }).put)).toEqual({ parts: [{ name: 'a', kind: 'A' }, exact[1]] });
    const valid = await run({ document, operation, variables: { parts: cases[0] }, contextValue: {} });
    expect(JSON.parse((valid.data as { put: string }).put)).toEqual({
      parts: [
        { name: 'a', kind: 'A' },
        { name: 'b', kind: 'B', size: 2.5, tags: ['one'], data: { id: '7', more: [{ id: 'x' }] } },
        { name: 'c', kind: null, size: null, data: null },
      ],
    });
  });

  it('coerces variables with graphql-js (same errors)', async () => {
    const { compiled, interpreted } = await both('query($id: Int!) { item(id: $id) { name } }', { id: 'two' });
    expect(compiled.errors?.map((e) => e.message)).toEqual(interpreted.errors?.map((e) => e.message));
    expect(compiled.errors?.[0]?.message).toContain('Int cannot represent non-integer value');
  });

  it('passes trusted leaves on as they are only in queries that select no other leaf, with the null checks kept', async () => {
    const leafy: GraphQLSchema = buildSchema('enum Kind { A B } type Query { rows: [Row!]! } type Row { id: ID! kind: Kind! size: Float! label: String count: Int! }');
    let rows: Record<string, unknown>[] = [];
    leafy.getQueryType()!.getFields().rows!.resolve = () => rows;
    const trustedLeaves = new Map([['Row', new Set(['id', 'kind', 'size', 'label'])]]);
    const answers = async (query: string) => {
      const document = parse(query);
      const operation = document.definitions[0] as import('graphql').OperationDefinitionNode;
      const run = compiledExecution(leafy, { compileAfter: 1, trustedLeaves });
      const compiled = JSON.parse(JSON.stringify(await run({ document, operation, variables: {}, contextValue: {} })));
      const interpreted = JSON.parse(JSON.stringify(await execute({ schema: leafy, document, contextValue: {} })));
      return { compiled, interpreted };
    };
    // Values of their types: the same answer either way.
    rows = [{ id: 'r1', kind: 'A', size: 1.5, label: null, count: 2 }, { id: 'r2', kind: 'B', size: 2, label: 'x', count: 3 }];
    for (const query of ['{ rows { id kind size label } }', '{ rows { id kind count __typename } }', '{ rows { ...R } } fragment R on Row { id label }']) {
      const { compiled, interpreted } = await answers(query);
      expect(compiled).toEqual(interpreted);
    }
    // Only trusted leaves: a value is passed on as it is (an ID given as a number stays a number); a null in a
    // non-null field is still the error graphql-js reports.
    rows = [{ id: 7, kind: 'A', size: 1, label: null, count: 1 }];
    expect((await answers('{ rows { id kind } }')).compiled).toEqual({ data: { rows: [{ id: 7, kind: 'A' }] } });
    rows = [{ id: null, kind: 'A', size: 1, label: null, count: 1 }];
    const missing = await answers('{ rows { id kind } }');
    expect(missing.compiled.errors.map((e: { message: string }) => e.message)).toEqual(missing.interpreted.errors.map((e: { message: string }) => e.message));
    expect(missing.compiled.data).toEqual(missing.interpreted.data);
    // Another leaf selected: every leaf is serialized as graphql-js does (the ID as a string, a bad Int an error).
    rows = [{ id: 7, kind: 'A', size: 1, label: null, count: 1.5 }];
    const other = await answers('{ rows { id count } }');
    expect(other.compiled).toEqual(other.interpreted);
    expect(other.compiled.errors[0].message).toContain('Int cannot represent non-integer value');
  });

  it('coerces a query\'s variables once, as graphql-js does, and answers a bad one with graphql-js\'s errors', async () => {
    const query = 'query($id: Int!, $ids: [Int!], $name: String = "x") { item(id: $id) { id name } }';
    const cases: Record<string, unknown>[] = [{ id: 2 }, { id: 3, ids: 1, name: null }, { id: 1, ids: [1, 2] }, { id: 2.5 }, { id: '2' }, {}, { id: null }, { id: 1, ids: [1, 'x'] }];
    for (const variables of cases) {
      const { compiled, interpreted } = await both(query, variables);
      expect(JSON.parse(JSON.stringify(compiled))).toEqual(JSON.parse(JSON.stringify(interpreted)));
    }
    expect((await both(query, { id: 2 })).compiled.data).toEqual({ item: { id: 2, name: 'item 2' } });
    expect((await both(query, { id: 2.5 })).compiled.errors?.[0]?.message).toContain('Int cannot represent non-integer value');
  });
});
