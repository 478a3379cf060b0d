/** A gateway with the standard ingest routes and the query APIs, a GET helper, and a seeded shop trace. */
import { randomBytes } from 'node:crypto';
import { standardIngestExtension } from '../../src/ingest/standard';
import { sharedServerSpanId } from '../../src/ingest/zipkin';
import { queryApiExtension } from '../../src/query-api';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../helpers/gateway';

export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

export function startQueryGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  return startTestGateway({ ...options, extensions: [standardIngestExtension(), queryApiExtension({ autocompleteKeys: ['env'] }), ...(options.extensions ?? [])] });
}

export interface Got {
  status: number;
  headers: Headers;
  body: any;
}

export async function get(gw: TestGateway, path: string, headers: Record<string, string> = {}): Promise<Got> {
  const res = await fetch(`${gw.origin}${path}`, { headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the test looks at the text
  }
  return { status: res.status, headers: res.headers, body };
}

export interface ShopTrace {
  traceId: string;
  rootId: string;
  clientId: string;
  serverId: string;
  /** Epoch µs of the root's start. */
  ts: number;
}

/**
 * One call chain posted as Zipkin v2: shop SERVER `get /checkout` (root, 250 ms) -> shop CLIENT `post /charge`
 * (annotation `retried`, tag env=prod) -> payments SERVER reported under the client's id (`shared`), 402.
 */
export async function postShopTrace(gw: TestGateway, headers: Record<string, string> = {}): Promise<ShopTrace> {
  const traceId = hex(16);
  const [rootId, clientId] = [hex(8), hex(8)];
  const ts = (Date.now() - 60_000) * 1000;
  const spans = [
    { traceId, id: rootId, name: 'get /checkout', kind: 'SERVER', timestamp: ts, duration: 250_000, localEndpoint: { serviceName: 'shop', ipv4: '10.0.0.1', port: 8080 }, tags: { env: 'prod' } },
    {
      traceId,
      parentId: rootId,
      id: clientId,
      name: 'post /charge',
      kind: 'CLIENT',
      timestamp: ts + 10_000,
      duration: 40_000,
      localEndpoint: { serviceName: 'shop' },
      remoteEndpoint: { serviceName: 'payments', ipv4: '10.0.0.2', port: 9000 },
      annotations: [{ timestamp: ts + 12_000, value: 'retried' }],
      tags: { env: 'prod', 'http.status_code': '402' },
    },
    {
      traceId,
      parentId: rootId,
      id: clientId,
      name: 'post /charge',
      kind: 'SERVER',
      shared: true,
      timestamp: ts + 11_000,
      duration: 30_000,
      localEndpoint: { serviceName: 'payments' },
      tags: { env: 'staging', error: 'card declined', 'http.status_code': '402' },
    },
  ];
  const res = await fetch(`${gw.origin}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(spans) });
  if (res.status !== 202) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
  return { traceId, rootId, clientId, serverId: sharedServerSpanId(traceId, clientId), ts };
}
