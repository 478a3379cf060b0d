import { startTestGateway, type TestGateway } from '../helpers/gateway';

// The query limits come from configuration: an operator can tighten (or loosen) them per deployment.
describe('query limits from configuration', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { TRACEGATE_QUERY_MAX_ALIASES: '1', TRACEGATE_QUERY_MAX_DEPTH: '3' } });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('applies a configured alias limit, touching no store', async () => {
    const { count } = await gw.countCommands(async () => {
      const res = await gw.gql(`{ a: services { name } b: services { name } }`);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases', allowed: 1, found: 2 });
    });
    expect(count).toBe(0);
  });

  it('applies a configured depth limit, and admits what fits', async () => {
    const deep = await gw.gql(`{ traces { nodes { spans { spanId } } } }`);
    expect(deep.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'depth', allowed: 3 });
    const fits = await gw.gql(`{ traces { nodes { id } } }`);
    expect(fits.errors).toBeUndefined();
    expect(fits.data).toEqual({ traces: { nodes: [] } });
  });
});
