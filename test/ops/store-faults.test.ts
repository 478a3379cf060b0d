/**
 * Store faults after the gateway connected: a standalone store (child process, on disk) is killed (SIGKILL) and
 * hung (SIGSTOP) under a gateway that was using it. Every ingest route answers its retryable "unavailable"
 * (GraphQL STORE_UNAVAILABLE; OTLP/HTTP and Zipkin 503 + Retry-After; OTLP/gRPC UNAVAILABLE), reads answer
 * STORE_UNAVAILABLE, /readyz is 503 until a write succeeds again; afterwards every acknowledged span is there.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { MongoBulkWriteError, MongoClient, MongoNetworkTimeoutError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { isUnavailableError } from '../../src/error-edge';
import { otlpGrpcExtension, TRACE_SERVICE_EXPORT_PATH } from '../../src/ingest/otlp-grpc';
import { standardIngestExtension } from '../../src/ingest/standard';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { request, span as protoSpan } from '../ingest/otlp/proto-fixtures';
import { buildSources, type Build, type Child } from './helpers/processes';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const SUBMIT = 'mutation($spans: [SpanInput!]!) { submitSpans(spans: $spans) { accepted duplicates rejected { index code } } }';

interface Sent {
  traceId: string;
  spanIds: string[];
}

describe('store faults after the gateway connected', () => {
  let build: Build;
  let store: Child & { uri: string };
  let gw: TestGateway;
  let grpc: Client;
  let dataDir: string;
  let port: string;
  const dbName = `tg_faults_${hex(4)}`;
  const acknowledged: Sent[] = [];

  beforeAll(async () => {
    build = buildSources();
    dataDir = mkdtempSync(join(tmpdir(), 'tg-faults-data-'));
    store = await build.startStore({ args: ['--data-dir', dataDir] });
    port = new URL(store.uri).port;
    const grpcExtension = otlpGrpcExtension({ port: 0, host: '127.0.0.1' });
    gw = await startTestGateway({
      mongo: { uri: store.uri, dbName, embedded: true, stop: async () => {} },
      extensions: [standardIngestExtension(), grpcExtension],
      env: { TRACEGATE_STORE_TIMEOUT: '600ms', TRACEGATE_STORE_SOCKET_TIMEOUT: '1500ms' },
    });
    grpc = new Client(`127.0.0.1:${grpcExtension.address()!.port}`, credentials.createInsecure());
  }, 120_000);
  afterAll(async () => {
    grpc?.close();
    await gw?.stop();
    build?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // Private: one span through each route; each returns what it was told, and records what was acknowledged.
  const routes = {
    async graphql(): Promise<{ ok: boolean; code?: string; status: number }> {
      const traceId = hex(16);
      const spanId = hex(8);
      const now = Date.now() - 60_000;
      const res = await gw.gql(SUBMIT, {
        spans: [{ traceId, spanId, service: 'checkout', operation: 'POST /orders', startTime: new Date(now).toISOString(), endTime: new Date(now + 3).toISOString() }],
      });
      if (res.data?.submitSpans?.accepted === 1) {
        acknowledged.push({ traceId, spanIds: [spanId] });
        return { ok: true, status: res.status };
      }
      return { ok: false, code: res.errors?.[0]?.extensions?.code, status: res.status };
    },
    async otlp(): Promise<{ ok: boolean; status: number; retryAfter: string | null; code?: string }> {
      const traceId = hex(16);
      const spanId = hex(8);
      const startNs = String(BigInt(Date.now() - 60_000) * 1_000_000n);
      const res = await fetch(`${gw.origin}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cart' } }] }, scopeSpans: [{ spans: [{ traceId, spanId, name: 'GET /cart', kind: 2, startTimeUnixNano: startNs, endTimeUnixNano: startNs }] }] }],
        }),
      });
      const body = (await res.json()) as { code?: number; message?: string };
      if (res.status === 200) acknowledged.push({ traceId, spanIds: [spanId] });
      return { ok: res.status === 200, status: res.status, retryAfter: res.headers.get('retry-after'), code: (body as { code?: unknown }).code as string | undefined };
    },
    async zipkin(): Promise<{ ok: boolean; status: number; retryAfter: string | null }> {
      const traceId = hex(16);
      const id = hex(8);
      const res = await fetch(`${gw.origin}/api/v2/spans`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ traceId, id, name: 'get /stock', timestamp: (Date.now() - 60_000) * 1000, duration: 10, localEndpoint: { serviceName: 'inventory' } }]),
      });
      await res.arrayBuffer();
      if (res.status === 202) acknowledged.push({ traceId, spanIds: [id] });
      return { ok: res.status === 202, status: res.status, retryAfter: res.headers.get('retry-after') };
    },
    async grpc(): Promise<{ ok: boolean; grpcCode?: number }> {
      const traceId = hex(16);
      const spanId = hex(8);
      const nowNs = BigInt(Date.now() - 60_000) * 1_000_000n;
      const body = request([{ attributes: [['service.name', { s: 'payment' }]], scopes: [{ name: 'lib', spans: [protoSpan({ traceId, spanId, name: 'charge', kind: 3, start: nowNs, end: nowNs + 5_000n })] }] }]);
      const outcome = await new Promise<{ error: ServiceError | null }>((resolve) =>
        grpc.makeUnaryRequest(TRACE_SERVICE_EXPORT_PATH, (b: Buffer) => b, (b: Buffer) => b, Buffer.from(body), new Metadata(), {}, (error) => resolve({ error: error ?? null })),
      );
      if (!outcome.error) acknowledged.push({ traceId, spanIds: [spanId] });
      return outcome.error ? { ok: false, grpcCode: outcome.error.code } : { ok: true };
    },
  };

  async function readCode(): Promise<string | undefined> {
    const res = await gw.gql(`{ traces(first: 5) { nodes { id } } }`);
    return res.errors?.[0]?.extensions?.code ?? 'OK';
  }

  async function expectEveryRouteUnavailable(): Promise<void> {
    const graphql = await routes.graphql();
    expect(graphql).toMatchObject({ ok: false, code: 'STORE_UNAVAILABLE', status: 503 });
    const otlp = await routes.otlp();
    expect(otlp).toMatchObject({ ok: false, status: 503, retryAfter: '1' });
    const zipkin = await routes.zipkin();
    expect(zipkin).toMatchObject({ ok: false, status: 503, retryAfter: '1' });
    expect(await routes.grpc()).toEqual({ ok: false, grpcCode: GrpcStatus.UNAVAILABLE });
    expect(await readCode()).toBe('STORE_UNAVAILABLE');
    const ready = await fetch(`${gw.origin}/readyz`);
    expect(ready.status).toBe(503);
  }

  async function expectEveryRouteWorking(): Promise<void> {
    for (const name of ['graphql', 'otlp', 'zipkin', 'grpc'] as const) expect(await routes[name]()).toMatchObject({ ok: true });
    expect(await readCode()).toBe('OK');
    expect((await fetch(`${gw.origin}/readyz`)).status).toBe(200);
  }

  /** Polls /readyz until it answers 200 (bounded): the store is back and writable. */
  async function untilReady(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if ((await fetch(`${gw.origin}/readyz`)).status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the gateway did not become ready again; store stderr:\n${store.stderr()}`);
  }

  it('killed (SIGKILL): every route answers retryably, then recovers when the store is back', async () => {
    await expectEveryRouteWorking();
    store.kill('SIGKILL');
    await store.exited;
    await expectEveryRouteUnavailable();
    store = await build.startStore({ args: ['--data-dir', dataDir, '--port', port] });
    await untilReady();
    await expectEveryRouteWorking();
  }, 120_000);

  it('hung (SIGSTOP): every route answers retryably within the socket timeout, then recovers on SIGCONT', async () => {
    store.kill('SIGSTOP');
    try {
      await expectEveryRouteUnavailable();
    } finally {
      store.kill('SIGCONT');
    }
    await untilReady();
    await expectEveryRouteWorking();
  }, 120_000);

  it('lost no acknowledged span', async () => {
    const client = await MongoClient.connect(store.uri);
    try {
      const ids = acknowledged.map((a) => ({ traceId: a.traceId, spanId: a.spanIds[0] }));
      expect(ids.length).toBeGreaterThanOrEqual(12);
      const found = await client.db(dbName).collection('spans').countDocuments({ $or: ids });
      expect(found).toBe(ids.length);
    } finally {
      await client.close();
    }
  });
});

describe('isUnavailableError: the one classification of store faults', () => {
  it('looks inside the driver\'s bulk-write wrapper and at server codes', () => {
    const result = {} as never;
    expect(isUnavailableError(new MongoBulkWriteError(new MongoNetworkTimeoutError('connection 5 to 127.0.0.1:1 timed out'), result))).toBe(true);
    expect(isUnavailableError(new MongoBulkWriteError(new MongoServerSelectionError('no server', {} as never), result))).toBe(true);
    expect(isUnavailableError(new MongoBulkWriteError({ message: 'not primary', code: 10107 } as never, result))).toBe(true);
    expect(isUnavailableError(new MongoServerError({ message: 'primary stepped down', code: 189 }))).toBe(true);
    expect(isUnavailableError(new MongoServerError({ message: 'no space left on device', code: 14031 }))).toBe(true);
    const diskFull = new MongoBulkWriteError({ message: 'write errors', code: 14031, writeErrors: [{ index: 0, code: 14031, errmsg: 'no space' }] } as never, result);
    expect(isUnavailableError(diskFull)).toBe(true);
    // the store refusing one document is not unavailability
    const duplicate = new MongoBulkWriteError({ message: 'dup', code: 11000, writeErrors: [{ index: 0, code: 11000, errmsg: 'E11000' }] } as never, result);
    expect(isUnavailableError(duplicate)).toBe(false);
    expect(isUnavailableError(new MongoServerError({ message: 'bad query', code: 2 }))).toBe(false);
    expect(isUnavailableError(new Error('ECONNRESET in a message only'))).toBe(false);
  });
});
