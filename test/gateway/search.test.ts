import { startTestGateway, type GqlResponse, type TestGateway } from '../helpers/gateway';
import { at, newTraceId, span, SUBMIT } from './fixtures';

const SERVICES = ['checkout', 'payment', 'shipping'];

interface Model {
  id: string;
  i: number;
  startUs: number;
  durationUs: number;
  service: string;
  operation: string;
  error: boolean;
  tenant: string;
  shard: number;
}

/** Ten traces with distinct starts and durations; each has a root and a `db` child inside it. */
function dataset(): Model[] {
  return Array.from({ length: 10 }, (_, i) => ({
    id: newTraceId(),
    i,
    startUs: i * 10_000,
    durationUs: (((i * 37) % 10) + 1) * 100,
    service: SERVICES[i % 3]!,
    operation: `op-${i % 2}`,
    error: i % 4 === 0,
    tenant: i % 2 === 0 ? 'even' : 'odd',
    shard: i % 3,
  }));
}

function spansOf(m: Model) {
  return [
    span({
      traceId: m.id, n: 0, service: m.service, operation: m.operation, startUs: m.startUs, durationUs: m.durationUs,
      status: m.error ? 'ERROR' : 'OK', attributes: [{ key: 'tenant', value: m.tenant }],
    }),
    span({ traceId: m.id, n: 1, parent: 0, service: 'db', operation: 'query', startUs: m.startUs + 10, durationUs: 10, attributes: [{ key: 'shard', value: m.shard }] }),
  ];
}

const SEARCH = `query($filter: TraceFilter, $orderBy: TraceOrder, $first: Int, $after: String) {
  traces(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    edges { cursor node { id } }
    nodes { id durationUs startTime }
    pageInfo { hasNextPage endCursor }
  }
}`;

const byStartDesc = (a: Model, b: Model) => b.startUs - a.startUs;

describe('trace search', () => {
  let gw: TestGateway;
  let data: Model[];

  beforeAll(async () => {
    gw = await startTestGateway();
    data = dataset();
    const res = await gw.gql(SUBMIT, { spans: data.flatMap(spansOf) });
    expect(res.data?.submitSpans).toMatchObject({ accepted: 20, rejected: [] });
  });
  afterAll(async () => {
    await gw.stop();
  });

  async function ids(variables: Record<string, unknown>): Promise<string[]> {
    const res = await gw.gql(SEARCH, { first: 100, ...variables });
    expect(res.errors).toBeUndefined();
    const conn = res.data!.traces;
    expect(conn.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(conn.nodes.map((n: { id: string }) => n.id));
    return conn.nodes.map((n: { id: string }) => n.id);
  }

  const expectIds = (models: Model[]) => models.sort(byStartDesc).map((m) => m.id);

  it.each<[string, Record<string, unknown>, (m: Model) => boolean]>([
    ['no filter', {}, () => true],
    ['service (root)', { service: 'payment' }, (m) => m.service === 'payment'],
    ['service (child of every trace)', { service: 'db' }, () => true],
    ['operation', { operation: 'op-1' }, (m) => m.operation === 'op-1'],
    ['service and operation on the same span', { service: 'checkout', operation: 'op-1' }, (m) => m.service === 'checkout' && m.operation === 'op-1'],
    ['service and operation never on one span', { service: 'db', operation: 'op-1' }, () => false],
    ['status ERROR', { status: 'ERROR' }, (m) => m.error],
    ['status OK', { status: 'OK' }, (m) => !m.error],
    ['minDurationUs', { minDurationUs: 500 }, (m) => m.durationUs >= 500],
    ['maxDurationUs', { maxDurationUs: 700 }, (m) => m.durationUs <= 700],
    ['duration range', { minDurationUs: 500, maxDurationUs: 700 }, (m) => m.durationUs >= 500 && m.durationUs <= 700],
    ['startTimeFrom (inclusive)', { startTimeFrom: at(30_000) }, (m) => m.startUs >= 30_000],
    ['startTimeTo (inclusive)', { startTimeTo: at(30_000) }, (m) => m.startUs <= 30_000],
    ['start window with an offset', { startTimeFrom: '2026-11-20T11:00:00.020000+01:00', startTimeTo: at(50_000) }, (m) => m.startUs >= 20_000 && m.startUs <= 50_000],
    ['attribute (root span)', { attributes: [{ key: 'tenant', value: 'even' }] }, (m) => m.tenant === 'even'],
    ['attributes on different spans', { attributes: [{ key: 'tenant', value: 'odd' }, { key: 'shard', value: 0 }] }, (m) => m.tenant === 'odd' && m.shard === 0],
    ['attribute value type matters', { attributes: [{ key: 'shard', value: '0' }] }, () => false],
    ['everything at once', { service: 'checkout', status: 'ERROR', minDurationUs: 100, startTimeTo: at(90_000), attributes: [{ key: 'tenant', value: 'even' }] }, (m) => m.service === 'checkout' && m.error && m.tenant === 'even'],
  ])('filter: %s', async (_name, filter, predicate) => {
    const expected = expectIds(data.filter(predicate));
    expect(await ids({ filter })).toEqual(expected);
  });

  it('orders by start time descending (default), ascending, and duration descending', async () => {
    expect(await ids({})).toEqual([...data].sort(byStartDesc).map((m) => m.id));
    expect(await ids({ orderBy: 'START_TIME_ASC' })).toEqual([...data].sort((a, b) => a.startUs - b.startUs).map((m) => m.id));
    expect(await ids({ orderBy: 'DURATION_DESC' })).toEqual([...data].sort((a, b) => b.durationUs - a.durationUs).map((m) => m.id));
  });

  it.each(['START_TIME_DESC', 'START_TIME_ASC', 'DURATION_DESC'])('pages through %s with cursors equal to the full result', async (orderBy) => {
    const full = await ids({ orderBy });
    const walked: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const res: GqlResponse = await gw.gql(SEARCH, { orderBy, first: 3, after });
      const conn: { nodes: { id: string }[]; edges: { cursor: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } = res.data!.traces;
      walked.push(...conn.nodes.map((n: { id: string }) => n.id));
      expect(conn.pageInfo.endCursor).toBe(conn.edges.at(-1)?.cursor ?? null);
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(walked).toEqual(full);
  });

  it('caps first at 100 and refuses bad pagination input with BAD_USER_INPUT', async () => {
    const tooMany = await gw.gql(SEARCH, { first: 101 });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(tooMany.errors?.[0]?.message).toBe('first: expected an integer from 1 to 100, received 101');
    const zero = await gw.gql(SEARCH, { first: 0 });
    expect(zero.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const forged = await gw.gql(SEARCH, { after: 'not-a-cursor' });
    expect(forged.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(forged.errors?.[0]?.message).toContain('after: expected an endCursor from an earlier page');
    const asc = await gw.gql(SEARCH, { orderBy: 'START_TIME_ASC', first: 1 });
    const mixed = await gw.gql(SEARCH, { orderBy: 'DURATION_DESC', after: asc.data!.traces.pageInfo.endCursor });
    expect(mixed.errors?.[0]?.message).toBe('after: expected a cursor of order DURATION_DESC, received one of order START_TIME_ASC');
    const badTime = await gw.gql(SEARCH, { filter: { startTimeFrom: 'yesterday' } });
    expect(badTime.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(badTime.errors?.[0]?.message).toContain('filter.startTimeFrom: expected an ISO-8601 date-time');
    const unset = await gw.gql(SEARCH, { filter: { status: 'UNSET' } });
    expect(unset.errors?.[0]?.message).toContain('filter.status: expected OK or ERROR');
  });

  it('lists services with their operations, counts and first/last seen; a service pages its traces', async () => {
    const res = await gw.gql(`{ services { name operations spanCount firstSeen lastSeen } service(name: "payment") { traces(first: 2) { nodes { id } pageInfo { hasNextPage } } } }`);
    expect(res.errors).toBeUndefined();
    const payment = data.filter((m) => m.service === 'payment').sort(byStartDesc);
    expect(res.data!.services).toEqual([
      { name: 'checkout', operations: ['op-0', 'op-1'], spanCount: 4, firstSeen: at(0), lastSeen: at(90_000 + 400) },
      { name: 'db', operations: ['query'], spanCount: 10, firstSeen: at(10), lastSeen: at(90_020) },
      { name: 'payment', operations: ['op-0', 'op-1'], spanCount: 3, firstSeen: at(10_000), lastSeen: at(70_000 + 1000) },
      { name: 'shipping', operations: ['op-0', 'op-1'], spanCount: 3, firstSeen: at(20_000), lastSeen: at(80_000 + 700) },
    ]);
    expect(res.data!.service.traces).toEqual({ nodes: payment.slice(0, 2).map((m) => ({ id: m.id })), pageInfo: { hasNextPage: true } });
    const none = await gw.gql(`{ service(name: "nope") { name } }`);
    expect(none.data).toEqual({ service: null });
  });
});

describe('pagination while traces arrive', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('walks every trace present at the start exactly once, in order, while new traces are inserted between pages', async () => {
    const initial = Array.from({ length: 12 }, (_, i) => ({ id: newTraceId(), startUs: 1_000_000 + i * 1000 }));
    await gw.gql(SUBMIT, { spans: initial.map((t) => span({ traceId: t.id, n: 0, startUs: t.startUs })) });
    const expectedInitial = [...initial].sort((a, b) => b.startUs - a.startUs).map((t) => t.id);

    const walked: { id: string; startTime: string }[] = [];
    const arrivedBehind: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const res: GqlResponse = await gw.gql(SEARCH, { first: 4, after });
      expect(res.errors).toBeUndefined();
      const conn: { nodes: { id: string; startTime: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } = res.data!.traces;
      walked.push(...conn.nodes);
      // Between pages: one trace newer than everything (ahead of the cursor, not expected in this walk)
      // and one older than everything (behind the cursor, must show up exactly once later).
      const ahead = newTraceId();
      const behind = newTraceId();
      arrivedBehind.push(behind);
      await gw.gql(SUBMIT, {
        spans: [span({ traceId: ahead, n: 0, startUs: 5_000_000 + page }), span({ traceId: behind, n: 0, startUs: 500_000 - page * 1000 })],
      });
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    const walkedIds = walked.map((w) => w.id);
    expect(new Set(walkedIds).size).toBe(walkedIds.length);
    expect(walkedIds.filter((id) => expectedInitial.includes(id))).toEqual(expectedInitial);
    const starts = walked.map((w) => w.startTime);
    expect(starts).toEqual([...starts].sort().reverse());
    // every trace inserted behind the cursor before the last page was read is in the walk
    expect(arrivedBehind.slice(0, -1).every((id) => walkedIds.includes(id))).toBe(true);
  });
});
