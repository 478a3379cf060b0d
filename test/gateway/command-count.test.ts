import { DEFAULT_QUERY_LIMITS } from '../../src/server/limits';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { newTraceId, span, SUBMIT } from './fixtures';

/**
 * A nested query touching every loader: the search, each trace's spans (rootSpan, parent), trace by id and
 * service by name. Kept within the default query cost limit at first: 100 (no per-span lists).
 */
const NESTED = `query($group: JSON!, $first: Int) {
  traces(filter: { attributes: [{ key: "group", value: $group }] }, first: $first) {
    nodes {
      id status spanCount
      services { name spanCount }
      rootSpan {
        spanId operation
        service { name operations }
        parent { spanId }
        trace { id errorCount }
      }
    }
  }
}`;

/** Every span with its tree links, services and trace: over the default cost limit at 100 traces. */
const DEEP = `query($group: JSON!, $first: Int) {
  traces(filter: { attributes: [{ key: "group", value: $group }] }, first: $first) {
    nodes {
      id
      rootSpan { children { spanId children { spanId } } }
      spans {
        spanId
        service { name }
        parent { spanId service { name } }
        children { spanId trace { id errorCount } }
        trace { id services { name } }
        events { name }
      }
    }
  }
}`;

describe('store commands per nested query', () => {
  let gw: TestGateway;
  const groups = { one: 1, ten: 10, hundred: 100 };

  beforeAll(async () => {
    // The cost limit is raised so the deep query can run over 100 traces; depth stays the default.
    gw = await startTestGateway({ queryLimits: { ...DEFAULT_QUERY_LIMITS, maxCost: 10_000_000 } });
    const spans: unknown[] = [];
    let t = 0;
    for (const [group, count] of Object.entries(groups)) {
      for (let i = 0; i < count; i++, t++) {
        const traceId = newTraceId();
        const attributes = [{ key: 'group', value: group }];
        spans.push(
          span({ traceId, n: 0, service: 'checkout', startUs: t * 1000, durationUs: 500, attributes }),
          span({ traceId, n: 1, parent: 0, service: 'payment', startUs: t * 1000 + 10, durationUs: 100, status: i % 2 ? 'ERROR' : 'OK' }),
          span({ traceId, n: 2, parent: 1, service: `bank-${i % 7}`, startUs: t * 1000 + 20, durationUs: 50 }),
        );
      }
    }
    const res = await gw.gql(SUBMIT, { spans });
    expect(res.data?.submitSpans).toMatchObject({ accepted: 333, rejected: [] });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('is the same for 1, 10 and 100 traces (depends on depth, not on size)', async () => {
    const counts: Record<string, { count: number; commands: string[] }> = {};
    for (const [group, size] of Object.entries(groups)) {
      counts[group] = await gw.countCommands(async () => {
        const res = await gw.gql(NESTED, { group, first: size });
        expect(res.errors).toBeUndefined();
        expect(res.data!.traces.nodes).toHaveLength(size);
        expect(res.data!.traces.nodes.every((n: { spanCount: number; rootSpan: { spanId: string } }) => n.spanCount === 3 && n.rootSpan.spanId === '0000000000000001')).toBe(true);
      });
    }
    expect(counts.one!.count).toBeGreaterThan(0);
    expect(counts.ten).toEqual(counts.one);
    expect(counts.hundred).toEqual(counts.one);
    // the search, the traces' spans, the services: one command each (traces come primed from the search)
    expect(counts.one!.commands.sort()).toEqual(['find', 'find', 'find']);
  });

  it('is the same for 1, 10 and 100 traces for a deep query over every span', async () => {
    const counts: { count: number; commands: string[] }[] = [];
    for (const [group, size] of Object.entries(groups)) {
      counts.push(
        await gw.countCommands(async () => {
          const res = await gw.gql(DEEP, { group, first: size });
          expect(res.errors).toBeUndefined();
          const nodes: { spans: { parent: unknown; children: unknown[] }[] }[] = res.data!.traces.nodes;
          expect(nodes).toHaveLength(size);
          expect(nodes.every((n) => n.spans.length === 3 && n.spans.filter((s) => s.parent !== null).length === 2)).toBe(true);
        }),
      );
    }
    expect(counts[1]).toEqual(counts[0]);
    expect(counts[2]).toEqual(counts[0]);
    expect(counts[0]!.commands.sort()).toEqual(['find', 'find', 'find']);
  });

  it('reads no service when only its name is selected', async () => {
    const LISTING = `query($group: JSON!, $first: Int) {
      traces(filter: { attributes: [{ key: "group", value: $group }] }, first: $first) {
        nodes { id spans { spanId service { name __typename } parent { spanId } children { spanId } } }
      }
    }`;
    let nodes: { spans: { service: { name: string; __typename: string } }[] }[] = [];
    const counted = await gw.countCommands(async () => {
      const res = await gw.gql(LISTING, { group: 'ten', first: 10 });
      expect(res.errors).toBeUndefined();
      nodes = res.data!.traces.nodes;
    });
    expect(nodes).toHaveLength(10);
    expect(nodes.flatMap((n) => n.spans.map((s) => s.service.name)).filter((name) => name.startsWith('bank-'))).toHaveLength(10);
    expect(nodes.every((n) => n.spans.map((s) => s.service.name).slice(0, 2).join() === 'checkout,payment' && n.spans.every((s) => s.service.__typename === 'Service'))).toBe(true);
    // the search and the traces' spans
    expect(counted.commands).toEqual(['find', 'find']);
  });

  it('reads a trace by id in one command: its spans when the selection reads them, else its summary', async () => {
    const page = await gw.gql(`query($group: JSON!) { traces(filter: { attributes: [{ key: "group", value: $group }] }, first: 1) { nodes { id spanCount errorCount startTime endTime services { name } } } }`, { group: 'one' });
    const stored = page.data!.traces.nodes[0];
    const WITH_SPANS = `query($id: ID!) { trace(id: $id) { id spanCount errorCount status startTime endTime durationUs ...Listed } }
      fragment Listed on Trace { spans { spanId service { name } trace { id spanCount } } }`;
    let withSpans: Record<string, any> = {};
    const one = await gw.countCommands(async () => {
      const res = await gw.gql(WITH_SPANS, { id: stored.id });
      expect(res.errors).toBeUndefined();
      withSpans = res.data!.trace;
    });
    expect(one.commands).toEqual(['find']);
    expect(withSpans).toMatchObject({ id: stored.id, spanCount: 3, errorCount: stored.errorCount, startTime: stored.startTime, endTime: stored.endTime });
    expect(withSpans.spans.map((s: { trace: unknown }) => s.trace)).toEqual([0, 1, 2].map(() => ({ id: stored.id, spanCount: 3 })));
    let summaryOnly: Record<string, any> = {};
    const summary = await gw.countCommands(async () => {
      summaryOnly = (await gw.gql(`query($id: ID!) { trace(id: $id) { spanCount errorCount startTime } }`, { id: stored.id })).data!.trace;
    });
    expect(summary.commands).toEqual(['find']);
    expect(summaryOnly).toEqual({ spanCount: 3, errorCount: stored.errorCount, startTime: stored.startTime });
  });
});
