/**
 * The query APIs read through the store's batched reads: a search costs the same number of store commands
 * whether it answers 1 trace or 30 (one trace search page + one `spansByTraceIds` for the page), as a nested
 * GraphQL query does.
 */
import type { TestGateway } from '../helpers/gateway';
import { get, hex, startQueryGateway } from './helpers';

describe('query-API store commands', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startQueryGateway();
    const ts = (Date.now() - 60_000) * 1000;
    const spans = Array.from({ length: 30 }, (_, i) => {
      const traceId = hex(16);
      const rootId = hex(8);
      return [
        { traceId, id: rootId, name: 'get /cart', kind: 'SERVER', timestamp: ts + i, duration: 100, localEndpoint: { serviceName: 'cart' } },
        { traceId, parentId: rootId, id: hex(8), name: 'lookup', kind: 'CLIENT', timestamp: ts + i + 1, duration: 50, localEndpoint: { serviceName: 'cart' } },
      ];
    }).flat();
    const res = await fetch(`${gw.origin}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spans) });
    expect(res.status).toBe(202);
  });
  afterAll(async () => {
    await gw.stop();
  });

  it.each([
    ['Zipkin', (n: number) => `/api/v2/traces?serviceName=cart&limit=${n}`, (body: any) => body.length],
    ['Jaeger', (n: number) => `/api/traces?service=cart&limit=${n}`, (body: any) => body.data.length],
  ])('%s trace search: the same commands for 1, 10 and 30 traces', async (_api, path, count) => {
    const costs: number[] = [];
    for (const n of [1, 10, 30]) {
      const { count: commands } = await gw.countCommands(async () => {
        const res = await get(gw, path(n));
        expect(res.status).toBe(200);
        expect(count(res.body)).toBe(n);
      });
      costs.push(commands);
    }
    // One trace-search page and one batched read of the page's spans.
    expect(costs).toEqual([2, 2, 2]);
  });
});
