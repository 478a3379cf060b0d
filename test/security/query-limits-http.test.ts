/**
 * Query limits over HTTP: each hostile document is refused with QUERY_TOO_COMPLEX (HTTP 400) and no store
 * command is started while it is handled; legitimate documents at the edge of each limit pass.
 */
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import {
  DEEP_THROUGH_FRAGMENTS,
  FAN_OUT,
  FAN_OUT_BY_VARIABLE,
  TOKEN_FLOOD,
  aliasFlood,
  childrenChain,
  directiveFlood,
} from './helpers/queries';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

describe('query limits over HTTP', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it.each([
    ['a deep query (13 levels of children)', childrenChain(13), { id: TRACE_ID }, 'depth'],
    ['a deep query through fragments', DEEP_THROUGH_FRAGMENTS, { id: TRACE_ID }, 'depth'],
    ['an alias flood', aliasFlood(16), undefined, 'aliases'],
    ['a directive flood', directiveFlood(11), undefined, 'directives'],
    ['fan-out within the depth limit', FAN_OUT, undefined, 'cost'],
    ['fan-out through a variable', FAN_OUT_BY_VARIABLE, { n: 100 }, 'cost'],
    ['an over-long document', TOKEN_FLOOD, undefined, 'tokens'],
  ])('refuses %s with QUERY_TOO_COMPLEX before touching the store', async (_label, query, variables, limit) => {
    const { count, commands } = await gw.countCommands(async () => {
      const res = await gw.gql(query, variables);
      expect(res.status).toBe(400);
      expect(res.data ?? null).toBeNull();
      expect(res.errors).toHaveLength(1);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit });
    });
    expect(commands).toEqual([]);
    expect(count).toBe(0);
  });

  it('judges a document again only for other values of the variables given as `first`', async () => {
    const query = `query Two($n: Int, $order: TraceOrder) { traces(first: $n, orderBy: $order) { nodes { spans { spanId } } } }`;
    const statuses: number[] = [];
    for (const variables of [
      { n: 20, order: 'START_TIME_DESC' },
      { n: 20, order: 'START_TIME_ASC' },
      { n: 100, order: 'START_TIME_DESC' },
      { n: 100, order: 'DURATION_DESC' },
      { n: 20, order: 'DURATION_DESC' },
      {},
      undefined,
      { order: 'START_TIME_ASC' },
    ]) {
      const res = await gw.gql(query, variables);
      if (res.status === 400) expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
      else expect(res.errors).toBeUndefined();
      statuses.push(res.status);
    }
    // No variables at all: `first` is unknown and taken at its maximum; `{}`: the schema's default applies.
    expect(statuses).toEqual([200, 200, 400, 400, 200, 200, 400, 200]);
  });

  it('answers legitimate documents at the edge of each limit', async () => {
    for (const [query, variables] of [
      [childrenChain(12), { id: TRACE_ID }],
      [aliasFlood(15), undefined],
      [directiveFlood(10), undefined],
      [FAN_OUT_BY_VARIABLE, { n: 20 }],
    ] as const) {
      const res = await gw.gql(query, variables);
      expect(res.errors).toBeUndefined();
      expect(res.status).toBe(200);
    }
  });
});
