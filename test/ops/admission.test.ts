/**
 * The bound on request body bytes in flight, on a real gateway: decided from the headers before the body is
 * read, answered 429 + Retry-After (after the client's upload was discarded, so it reads the answer), released
 * when the response is done; gzip and chunked bodies count as the body cap.
 */
import { request } from 'node:http';
import { BodyAdmission } from '../../src/server/overload';
import { loadConfig } from '../../src/config';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { heldRoute } from './helpers/held-route';

function post(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('body bytes in flight', () => {
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.stop();
  });

  it('refuses a body that does not fit with 429 before reading it, and admits it once the holder is done', async () => {
    const held = heldRoute('POST');
    gw = await startTestGateway({ extensions: [held.extension], env: { TRACEGATE_MAX_INFLIGHT_BYTES: '3000', TRACEGATE_MAX_BODY_BYTES: '100000' } });
    const holder = post(`${gw.origin}/held`, Buffer.alloc(2000, 0x20));
    await held.entered;
    expect(gw.gateway.security.bodyAdmission.stats()).toMatchObject({ inFlightBytes: 2000, inFlightRequests: 1 });

    const body = Buffer.from(JSON.stringify({ query: '{ services { name } }', padding: 'x'.repeat(1500) }));
    const refused = await post(gw.url, body);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    const error = JSON.parse(refused.text).errors[0];
    expect(error.extensions.code).toBe('RATE_LIMITED');
    expect(error.message).toMatch(/holding 2000 bytes of request bodies, cap 3000; this request's body counts \d+\. Nothing of it was read/);
    // small bodies still fit beside the holder
    expect((await post(gw.url, Buffer.from(JSON.stringify({ query: '{ services { name } }' })))).status).toBe(200);

    held.release();
    expect((await holder).status).toBe(200);
    expect(gw.gateway.security.bodyAdmission.stats()).toMatchObject({ inFlightBytes: 0, inFlightRequests: 0, refused: 1 });
    expect((await post(gw.url, body)).status).toBe(200);
  });

  it('weighs gzip and chunked bodies as the body cap, a declared identity body by its length', () => {
    const admission = new BodyAdmission(1_000_000, 50_000);
    expect(admission.weigh({ 'content-length': '1200' })).toBe(1200);
    expect(admission.weigh({ 'content-length': '1200', 'content-encoding': 'identity' })).toBe(1200);
    expect(admission.weigh({ 'content-length': '1200', 'content-encoding': 'gzip' })).toBe(50_000);
    expect(admission.weigh({ 'transfer-encoding': 'chunked' })).toBe(50_000);
    expect(admission.weigh({ 'content-length': '9000000' })).toBe(50_000);
    expect(admission.weigh({})).toBe(0);
    const release = admission.admit(40_000);
    expect(() => admission.admit(960_001)).toThrow(/RATE_LIMITED|holding 40000 bytes/);
    release();
    release();
    expect(admission.stats()).toEqual({ inFlightBytes: 0, inFlightRequests: 0, refused: 1 });
    // one request is always admitted on an idle gateway
    admission.admit(2_000_000)();
  });

  it('TRACEGATE_MAX_INFLIGHT_BYTES: auto or a byte count', () => {
    expect(loadConfig({}, []).maxInflightBytes).toBeNull();
    expect(loadConfig({ TRACEGATE_MAX_INFLIGHT_BYTES: 'auto' }, []).maxInflightBytes).toBeNull();
    expect(loadConfig({ TRACEGATE_MAX_INFLIGHT_BYTES: '67108864' }, []).maxInflightBytes).toBe(67_108_864);
    expect(() => loadConfig({ TRACEGATE_MAX_INFLIGHT_BYTES: '12k' }, [])).toThrow('TRACEGATE_MAX_INFLIGHT_BYTES="12k": expected an integer from 1024 to 9007199254740991, or auto');
  });
});
