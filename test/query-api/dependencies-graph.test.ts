/**
 * Dependencies from service analytics' service graph (the production wiring): the links come from the rollups
 * written at ingest, so they stand even once the spans are gone, and both APIs answer the same links.
 */
import { standardIngestExtension } from '../../src/ingest/standard';
import { queryApiExtension } from '../../src/query-api';
import { analyticsExtension } from '../../src/server/analytics-extension';
import { serviceGraphDependencies } from '../../src/server/service-graph-dependencies';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { get, postShopTrace } from './helpers';
import { expectValid, jaegerSchemas, zipkinSchemas } from './schemas';

describe('query-API dependencies from the service graph', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    const analytics = analyticsExtension();
    gw = await startTestGateway({ extensions: [standardIngestExtension(), analytics, queryApiExtension({ dependencies: serviceGraphDependencies(analytics) })] });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('answers the edges of the rollups, not of the spans', async () => {
    const shop = await postShopTrace(gw);
    const second = await postShopTrace(gw);
    // Without the spans, a count over stored spans would find nothing; the rollups keep the calls.
    const deleted = await gw.store.client.db(gw.mongo.dbName).collection('spans').deleteMany({ traceId: { $in: [shop.traceId, second.traceId] } });
    expect(deleted.deletedCount).toBe(6);
    expect((await get(gw, `/api/v2/trace/${shop.traceId}`)).status).toBe(404);

    const endTs = Date.now();
    const zipkin = await get(gw, `/api/v2/dependencies?endTs=${endTs}&lookback=3600000`);
    expectValid(zipkinSchemas.dependencies, zipkin.body);
    expect(zipkin.body).toEqual([{ parent: 'shop', child: 'payments', callCount: 2, errorCount: 2 }]);
    const jaeger = await get(gw, `/api/dependencies?endTs=${endTs}&lookback=3600000`);
    expectValid(jaegerSchemas.dependencies, jaeger.body);
    expect(jaeger.body.data).toEqual([{ parent: 'shop', child: 'payments', callCount: 2 }]);
    // A window before the calls has none.
    expect((await get(gw, `/api/v2/dependencies?endTs=${Math.floor(shop.ts / 1000) - 120_000}&lookback=60000`)).body).toEqual([]);
  });
});
