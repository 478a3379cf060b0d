/**
 * A service's span count grows with every span stored for it for as long as the service keeps sending (its
 * summary's expiry moves with each new span), so it outgrows a 32-bit GraphQL Int on a long-lived gateway: the
 * API answers it as a Float, exact up to 2^53, on the interpreted and the compiled path alike.
 */
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { newTraceId, span, SUBMIT } from './fixtures';

const QUERY = `query Counts($name: String!) { service(name: $name) { name spanCount } services { name spanCount } }`;

describe('a service span count past the 32-bit range', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('is answered exactly by service and services, on every run of the query', async () => {
    const res = await gw.gql(SUBMIT, { spans: [span({ traceId: newTraceId(), n: 0, service: 'long-lived' })] });
    expect(res.data?.submitSpans).toMatchObject({ accepted: 1, rejected: [] });
    const big = 3_000_000_001;
    await gw.withStoreDb((db) => db.collection<{ _id: string; spanCount: number }>('services').updateOne({ _id: 'long-lived' }, { $inc: { spanCount: big - 1 } }));
    // The first run is interpreted by graphql-js, the later ones compiled.
    for (let run = 0; run < 3; run++) {
      const answer = await gw.gql(QUERY, { name: 'long-lived' });
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.service).toEqual({ name: 'long-lived', spanCount: big });
      expect(answer.data?.services).toContainEqual({ name: 'long-lived', spanCount: big });
    }
  });
});
