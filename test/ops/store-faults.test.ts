/**
 * Store faults after the gateway connected: a standalone store (child process, on disk) is killed (SIGKILL), hung
 * (SIGSTOP) and runs out of disk (a file size limit set on the running process, `prlimit --fsize`, as in the
 * store's own disk-full test) under a gateway that was using it. Every ingest route answers its retryable
 * "unavailable" (GraphQL STORE_UNAVAILABLE; OTLP/HTTP and Zipkin 503 + Retry-After; OTLP/gRPC UNAVAILABLE); reads
 * answer STORE_UNAVAILABLE when the store is gone or hung and keep answering when only its disk is full; /readyz is
 * 503 until a write succeeds again; afterwards every acknowledged span is there.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
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

const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0;

/** Sets the soft file size limit (RLIMIT_FSIZE) of a running process; the hard limit stays unlimited. */
function setFileSizeLimit(pid: number, bytes: number | 'unlimited'): void {
  const done = spawnSync('prlimit', ['--pid', String(pid), `--fsize=${bytes}:unlimited`], { encoding: 'utf8' });
  if (done.status !== 0) throw new Error(`prlimit --pid ${pid} --fsize=${bytes}: ${done.stderr}`);
}

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
    /** `count` spans of one trace, each carrying `padding` bytes of attribute values (what fills a disk). */
    async graphql(count = 1, padding = 0): Promise<{ ok: boolean; code?: string; status: number }> {
      const traceId = hex(16);
      const spanIds = Array.from({ length: count }, () => hex(8));
      const now = Date.now() - 60_000;
      const attributes = padding > 0 ? [{ key: 'padding', value: randomBytes(padding / 2).toString('hex') }] : [];
      const res = await gw.gql(SUBMIT, {
        spans: spanIds.map((spanId) => ({ traceId, spanId, service: 'checkout', operation: 'POST /orders', startTime: new Date(now).toISOString(), endTime: new Date(now + 3).toISOString(), attributes })),
      });
      if (res.data?.submitSpans?.accepted === count) {
        acknowledged.push({ traceId, spanIds });
        return { ok: true, status: res.status };
      }
      if (res.data) throw new Error(`submitSpans answered neither all accepted nor an error: ${res.text}`);
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

  async function expectEveryRouteUnavailable(reads: 'STORE_UNAVAILABLE' | 'OK' = 'STORE_UNAVAILABLE'): Promise<void> {
    const graphql = await routes.graphql();
    expect(graphql).toMatchObject({ ok: false, code: 'STORE_UNAVAILABLE', status: 503 });
    const otlp = await routes.otlp();
    expect(otlp).toMatchObject({ ok: false, status: 503, retryAfter: '1' });
    const zipkin = await routes.zipkin();
    expect(zipkin).toMatchObject({ ok: false, status: 503, retryAfter: '1' });
    expect(await routes.grpc()).toEqual({ ok: false, grpcCode: GrpcStatus.UNAVAILABLE });
    expect(await readCode()).toBe(reads);
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

  (hasPrlimit ? it : it.skip)('out of disk: writes answer retryably, reads keep answering, readiness returns with the first write after space returns', async () => {
    await expectEveryRouteWorking();
    const pid = store.proc.pid!;
    try {
      // The data file may not grow past its size: batches fill what LMDB has free inside it until one is refused.
      setFileSizeLimit(pid, statSync(join(dataDir, 'lmdb', 'data.mdb')).size);
      let refused: Awaited<ReturnType<typeof routes.graphql>> | undefined;
      for (let i = 0; i < 400 && !refused; i++) {
        const outcome = await routes.graphql(50, 2000);
        if (!outcome.ok) refused = outcome;
      }
      expect(refused).toEqual({ ok: false, code: 'STORE_UNAVAILABLE', status: 503 });
      // A page or two may still be free inside the file, so a small write could yet succeed. Nothing can be written
      // any more once no page of the file may be rewritten either (as on a full copy-on-write file system): the
      // limit drops to LMDB's first meta page, and every route and the readiness probe are refused.
      setFileSizeLimit(pid, 4096);
      await expectEveryRouteUnavailable('OK');
      // what the gateway was told by the store: out of disk, not a lost connection
      const direct = await MongoClient.connect(store.uri);
      try {
        await expect(direct.db(dbName).collection('direct').insertOne({ at: new Date() })).rejects.toMatchObject({ code: 14031 });
      } finally {
        await direct.close();
      }
    } finally {
      setFileSizeLimit(pid, 'unlimited');
    }
    await untilReady();
    await expectEveryRouteWorking();
  }, 120_000);

  it('lost no acknowledged span', async () => {
    const client = await MongoClient.connect(store.uri);
    try {
      // Every acknowledged request used a trace id of its own, and (traceId, spanId) is unique: the acknowledged
      // traces hold exactly the acknowledged spans when none is missing.
      const spans = acknowledged.reduce((n, a) => n + a.spanIds.length, 0);
      expect(acknowledged.length).toBeGreaterThanOrEqual(12);
      const found = await client.db(dbName).collection('spans').countDocuments({ traceId: { $in: acknowledged.map((a) => a.traceId) } });
      expect(found).toBe(spans);
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
