/** The route table's prefix routes (path parameters at the end) and the production wiring of the features. */
import { loadConfig, ConfigError } from '../../src/config';
import { Router, type Route } from '../../src/server/router';
import { gatewayExtensions } from '../../src/server/extension-list';

const route = (path: string, prefix = false): Route => ({ method: 'GET', path, ...(prefix ? { prefix: true } : {}), handle: async () => undefined });

describe('Router prefix routes', () => {
  it('prefers an exact route, then the longest prefix; HEAD is GET, other methods are 405, other paths 404', () => {
    const router = new Router();
    const services = route('/api/services');
    const serviceOps = route('/api/services/', true);
    const traces = route('/api/traces/', true);
    const deep = route('/api/traces/special/', true);
    for (const r of [services, serviceOps, traces, deep]) router.add(r);
    expect(router.match('GET', '/api/services')).toEqual({ kind: 'found', route: services });
    expect(router.match('GET', '/api/services/shop/operations')).toEqual({ kind: 'found', route: serviceOps });
    expect(router.match('GET', '/api/traces/abc')).toEqual({ kind: 'found', route: traces });
    expect(router.match('GET', '/api/traces/special/x')).toEqual({ kind: 'found', route: deep });
    expect(router.match('POST', '/api/traces/abc')).toEqual({ kind: 'wrong-method', allowed: ['GET', 'HEAD'] });
    expect(router.match('HEAD', '/api/traces/abc')).toEqual({ kind: 'found', route: traces });
    expect(router.match('GET', '/api/trace')).toEqual({ kind: 'not-found' });
    expect(() => router.add(route('/api/traces/', true))).toThrow('route GET /api/traces/ is registered twice');
  });
});

describe('gatewayExtensions', () => {
  const names = (env: Record<string, string>) => gatewayExtensions(loadConfig({ MONGODB_URI: 'mongodb://127.0.0.1:1', ...env }, [])).map((e) => e.name);

  it('serves the query APIs, and OTLP/gRPC unless TRACEGATE_OTLP_GRPC_PORT is 0', () => {
    expect(names({})).toEqual(expect.arrayContaining(['query-api', 'otlp-grpc']));
    expect(names({ TRACEGATE_OTLP_GRPC_PORT: '0' })).not.toContain('otlp-grpc');
    expect(names({ TRACEGATE_OTLP_GRPC_PORT: '0' })).toContain('query-api');
  });

  it('validates the new settings', () => {
    expect(() => loadConfig({ TRACEGATE_OTLP_GRPC_PORT: '70000' }, [])).toThrow(ConfigError);
    expect(() => loadConfig({ TRACEGATE_ZIPKIN_AUTOCOMPLETE_KEYS: 'env,,region' }, [])).toThrow(/TRACEGATE_ZIPKIN_AUTOCOMPLETE_KEYS/);
    expect(loadConfig({ TRACEGATE_ZIPKIN_AUTOCOMPLETE_KEYS: 'env, region' }, []).zipkinAutocompleteKeys).toEqual(['env', 'region']);
  });
});
