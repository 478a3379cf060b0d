/**
 * OTLP/gRPC TraceService/Export on an ephemeral port, driven by a plain grpc-js client (so every status the
 * server answers is visible; the OTel exporter retries some of them): partial success, caps, tokens, bad bytes,
 * gzip, a severed store. The real OTel gRPC exporter runs in test/ingest/http/otlp-sdk.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { otlpGrpcExtension, RETRY_INFO_TYPE_URL, STATUS_DETAILS_KEY, TRACE_SERVICE_EXPORT_PATH, type OtlpGrpcExtension } from '../../../src/ingest/otlp-grpc';
import { ProtoReader } from '../../../src/ingest/otlp/wire';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../../helpers/gateway';
import type { TcpProxy } from '../../helpers/tcp-proxy';
import { readTrace } from '../http/helpers';
import { request, span } from '../otlp/proto-fixtures';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const identity = (b: Buffer): Buffer => b;

interface Harness {
  gw: TestGateway;
  grpc: OtlpGrpcExtension;
  client: Client;
  stop(): Promise<void>;
}

async function start(options: TestGatewayOptions = {}, storeRetryAfterSeconds?: number): Promise<Harness> {
  const grpc = otlpGrpcExtension({ port: 0, host: '127.0.0.1', ...(storeRetryAfterSeconds ? { storeRetryAfterSeconds } : {}) });
  const gw = await startTestGateway({ ...options, extensions: [grpc] });
  const client = new Client(`127.0.0.1:${grpc.address()!.port}`, credentials.createInsecure());
  return {
    gw,
    grpc,
    client,
    async stop() {
      client.close();
      await gw.stop();
    },
  };
}

type Outcome = { ok: true; response: Buffer } | { ok: false; error: ServiceError };

function exportCall(client: Client, body: Uint8Array, metadata = new Metadata()): Promise<Outcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(TRACE_SERVICE_EXPORT_PATH, identity, identity, Buffer.from(body), metadata, {}, (error, response) =>
      resolve(error ? { ok: false, error } : { ok: true, response: response! }),
    );
  });
}

/** ExportTraceServiceResponse -> { rejectedSpans, errorMessage } (both absent when nothing was rejected). */
function partialSuccessOf(response: Buffer): { rejectedSpans: number; errorMessage: string } | undefined {
  const r = new ProtoReader(response);
  let out: { rejectedSpans: number; errorMessage: string } | undefined;
  while (!r.atEnd()) {
    const { field, wireType } = r.tag();
    if (field !== 1) {
      r.skip(wireType, field);
      continue;
    }
    const ps = r.message();
    out = { rejectedSpans: 0, errorMessage: '' };
    while (!ps.atEnd()) {
      const t = ps.tag();
      if (t.field === 1) out.rejectedSpans = ps.varint32();
      else if (t.field === 2) out.errorMessage = ps.string();
      else ps.skip(t.wireType, t.field);
    }
  }
  return out;
}

function oneSpan(traceId: string, spanId = hex(8), name = 'charge'): Uint8Array {
  const nowNs = BigInt(Date.now() - 60_000) * 1_000_000n;
  return request([{ attributes: [['service.name', { s: 'payment' }]], scopes: [{ name: 'lib', spans: [span({ traceId, spanId, name, kind: 3, start: nowNs, end: nowNs + 5_000n })] }] }]);
}

function bearer(token: string): Metadata {
  const m = new Metadata();
  m.set('authorization', `Bearer ${token}`);
  return m;
}

describe('OTLP/gRPC TraceService/Export', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await start({ env: { TRACEGATE_MAX_SPANS_PER_REQUEST: '3', TRACEGATE_MAX_BODY_BYTES: '4096' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('reports the port it bound, stores the spans and answers an empty response', async () => {
    expect(h.grpc.address()!.port).toBeGreaterThan(0);
    const traceId = hex(16);
    const out = await exportCall(h.client, oneSpan(traceId));
    expect(out).toMatchObject({ ok: true });
    expect(partialSuccessOf((out as { response: Buffer }).response)).toBeUndefined();
    expect(await readTrace(h.gw, traceId)).toMatchObject({ spanCount: 1, services: [{ name: 'payment' }], spans: [{ kind: 'CLIENT', operation: 'charge' }] });
  });

  it('answers x-request-id metadata: the client-sent one when it is plain, else a fresh one', async () => {
    const idOf = (metadata: Metadata): Promise<string> =>
      new Promise((resolve, reject) => {
        const call = h.client.makeUnaryRequest(TRACE_SERVICE_EXPORT_PATH, identity, identity, Buffer.from(oneSpan(hex(16))), metadata, {}, (error) => error && reject(error));
        call.on('metadata', (md: Metadata) => resolve(String(md.get('x-request-id')[0])));
      });
    const sent = new Metadata();
    sent.set('x-request-id', 'collector-42');
    expect(await idOf(sent)).toBe('collector-42');
    const odd = new Metadata();
    odd.set('x-request-id', 'not plain!');
    expect(await idOf(odd)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers partial success naming each rejected span; the valid ones are stored', async () => {
    const traceId = hex(16);
    const nowNs = BigInt(Date.now() - 60_000) * 1_000_000n;
    const good = span({ traceId, spanId: hex(8), name: 'ok', start: nowNs, end: nowNs + 1n });
    const noStart = span({ traceId, spanId: hex(8), name: 'no start', start: 0n, end: nowNs });
    const body = request([{ attributes: [['service.name', { s: 'svc' }]], scopes: [{ name: 'lib', spans: [good, noStart] }] }]);
    const out = await exportCall(h.client, body);
    expect(out.ok).toBe(true);
    expect(partialSuccessOf((out as { response: Buffer }).response)).toEqual({
      rejectedSpans: 1,
      errorMessage: '1 of 2 spans rejected: span 1: BAD_USER_INPUT startTimeUnixNano: required, got 0 (absent)',
    });
    expect((await readTrace(h.gw, traceId))!.spans.map((s) => s.operation)).toEqual(['ok']);
  });

  it('refuses undecodable bytes with INVALID_ARGUMENT and stores nothing', async () => {
    const out = await exportCall(h.client, Uint8Array.from([0x0a, 0xff, 0xff, 0x01]));
    expect(out.ok).toBe(false);
    const { error } = out as { error: ServiceError };
    expect(error.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^BAD_USER_INPUT: .+/);
  });

  it('refuses more spans than the per-request cap with RESOURCE_EXHAUSTED and stores none of them', async () => {
    const traceId = hex(16);
    const nowNs = BigInt(Date.now() - 60_000) * 1_000_000n;
    const spans = [1, 2, 3, 4].map((i) => span({ traceId, spanId: hex(8), name: `s${i}`, start: nowNs, end: nowNs + 1n }));
    const out = await exportCall(h.client, request([{ attributes: [], scopes: [{ name: 'lib', spans }] }]));
    expect(out.ok).toBe(false);
    expect((out as { error: ServiceError }).error).toMatchObject({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: expect.stringMatching(/^PAYLOAD_TOO_LARGE: .*3/) });
    expect(await readTrace(h.gw, traceId)).toBeNull();
  });

  it('refuses a message over the body cap (after inflating) with RESOURCE_EXHAUSTED', async () => {
    const traceId = hex(16);
    const nowNs = BigInt(Date.now() - 60_000) * 1_000_000n;
    const big = span({ traceId, spanId: hex(8), name: 'x'.repeat(5000), start: nowNs, end: nowNs + 1n });
    const body = request([{ attributes: [], scopes: [{ name: 'lib', spans: [big] }] }]);
    const gzipClient = new Client(`127.0.0.1:${h.grpc.address()!.port}`, credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 });
    try {
      for (const client of [h.client, gzipClient]) {
        const out = await exportCall(client, body);
        expect(out.ok).toBe(false);
        expect((out as { error: ServiceError }).error.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
      }
    } finally {
      gzipClient.close();
    }
    expect(await readTrace(h.gw, traceId)).toBeNull();
  });

  it('accepts gzip-compressed messages', async () => {
    const gzipClient = new Client(`127.0.0.1:${h.grpc.address()!.port}`, credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 });
    try {
      const traceId = hex(16);
      expect((await exportCall(gzipClient, oneSpan(traceId))).ok).toBe(true);
      expect((await readTrace(h.gw, traceId))!.spanCount).toBe(1);
    } finally {
      gzipClient.close();
    }
  });
});

describe('OTLP/gRPC with tokens', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await start({ env: { TRACEGATE_TOKENS: 'agent:ingest:ingest-secret-1,viewer:read:read-secret-1' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('answers UNAUTHENTICATED without a known token, PERMISSION_DENIED without the ingest scope', async () => {
    const traceId = hex(16);
    const missing = await exportCall(h.client, oneSpan(traceId));
    expect((missing as { error: ServiceError }).error).toMatchObject({ code: GrpcStatus.UNAUTHENTICATED, details: expect.stringMatching(/^UNAUTHENTICATED: /) });
    const unknown = await exportCall(h.client, oneSpan(traceId), bearer('nope'));
    expect((unknown as { error: ServiceError }).error.code).toBe(GrpcStatus.UNAUTHENTICATED);
    const readOnly = await exportCall(h.client, oneSpan(traceId), bearer('read-secret-1'));
    expect((readOnly as { error: ServiceError }).error).toMatchObject({ code: GrpcStatus.PERMISSION_DENIED, details: expect.stringMatching(/^FORBIDDEN: /) });
    expect(await readTrace(h.gw, traceId, { authorization: 'Bearer read-secret-1' })).toBeNull();

    expect((await exportCall(h.client, oneSpan(traceId), bearer('ingest-secret-1'))).ok).toBe(true);
    expect((await readTrace(h.gw, traceId, { authorization: 'Bearer read-secret-1' }))!.spanCount).toBe(1);
  });
});

describe('OTLP/gRPC when the store went away', () => {
  let proxy: TcpProxy;
  let h: Harness;
  beforeAll(async () => {
    h = await start({ proxy: true, env: { TRACEGATE_STORE_TIMEOUT: '300ms' } }, 5);
    proxy = h.gw.proxy!;
  });
  afterAll(async () => {
    await h.stop();
  });

  it('answers UNAVAILABLE with a google.rpc.RetryInfo of the configured delay', async () => {
    proxy.sever();
    const out = await exportCall(h.client, oneSpan(hex(16)));
    expect(out.ok).toBe(false);
    const { error } = out as { error: ServiceError };
    expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(error.details).toMatch(/^STORE_UNAVAILABLE: /);
    const detailsBin = error.metadata.get(STATUS_DETAILS_KEY)[0] as Buffer;
    expect(decodeRetryDelaySeconds(detailsBin)).toEqual({ code: GrpcStatus.UNAVAILABLE, typeUrl: RETRY_INFO_TYPE_URL, seconds: 5 });
  });
});

// Private: google.rpc.Status { code, details[0]: Any { type_url, value: RetryInfo { retry_delay: Duration { seconds } } } }.
function decodeRetryDelaySeconds(bin: Buffer): { code: number; typeUrl: string; seconds: number } {
  const out = { code: -1, typeUrl: '', seconds: -1 };
  const st = new ProtoReader(bin);
  while (!st.atEnd()) {
    const t = st.tag();
    if (t.field === 1) out.code = st.varint32();
    else if (t.field === 3) {
      const any = st.message();
      while (!any.atEnd()) {
        const a = any.tag();
        if (a.field === 1) out.typeUrl = any.string();
        else if (a.field === 2) {
          const info = any.message();
          info.tag();
          const duration = info.message();
          duration.tag();
          out.seconds = Number(duration.varint64());
        } else any.skip(a.wireType, a.field);
      }
    } else st.skip(t.wireType, t.field);
  }
  return out;
}
