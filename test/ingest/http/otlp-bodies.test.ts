/**
 * OTLP/HTTP edge cases against a started gateway: partial success, undecodable bodies in both encodings, wrong
 * content type, a gzip bomb past the body cap, and spans shared with the GraphQL mutation (same idempotency).
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ProtoReader, ProtoWriter } from '../../../src/ingest/otlp/wire';
import type { TestGateway } from '../../helpers/gateway';
import { readTrace, startIngestGateway } from './helpers';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const BODY_CAP = 64 * 1024;
const MAX_SPANS = 10;

interface Posted {
  status: number;
  contentType: string | null;
  headers: Headers;
  body: Buffer;
}

async function postTraces(gw: TestGateway, body: Uint8Array | string, headers: Record<string, string>): Promise<Posted> {
  const res = await fetch(`${gw.origin}/v1/traces`, { method: 'POST', headers, body });
  return { status: res.status, contentType: res.headers.get('content-type'), headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

function jsonSpan(traceId: string, spanId: string, name: string, startMs: number): Record<string, unknown> {
  return {
    traceId,
    spanId,
    name,
    kind: 2,
    startTimeUnixNano: String(BigInt(startMs) * 1_000_000n),
    endTimeUnixNano: String(BigInt(startMs + 5) * 1_000_000n),
  };
}

function jsonRequest(spans: Record<string, unknown>[]): string {
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cart' } }] }, scopeSpans: [{ spans }] }],
  });
}

/** google.rpc.Status or ExportTracePartialSuccess: field 1 varint, field 2 string. */
function decodeCodeAndMessage(bytes: Uint8Array): { first: bigint; message: string } {
  const r = new ProtoReader(bytes);
  const out = { first: 0n, message: '' };
  while (!r.atEnd()) {
    const { field, wireType } = r.tag();
    if (field === 1) out.first = r.varint64();
    else if (field === 2) out.message = r.string();
    else r.skip(wireType, field);
  }
  return out;
}

describe('POST /v1/traces edge cases', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startIngestGateway({}, { env: { TRACEGATE_MAX_BODY_BYTES: String(BODY_CAP), TRACEGATE_MAX_SPANS_PER_REQUEST: String(MAX_SPANS) } });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('counts spans with bad ids in partialSuccess (JSON) and stores the rest', async () => {
    const traceId = hex(16);
    const ms = Date.now() - 10_000;
    const res = await postTraces(
      gw,
      jsonRequest([jsonSpan(traceId, hex(8), 'good', ms), jsonSpan('abc', hex(8), 'bad trace id', ms), jsonSpan(traceId, '0000000000000000', 'zero span id', ms)]),
      { 'content-type': 'application/json' },
    );
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/json');
    const body = JSON.parse(res.body.toString());
    expect(body.partialSuccess.rejectedSpans).toBe('2');
    expect(body.partialSuccess.errorMessage).toMatch(/^2 of 3 spans rejected: span 1: INVALID_TRACE_ID traceId: expected 32 hex digits.*; span 2: INVALID_SPAN_ID spanId: .*all-zero id$/);
    const read = await readTrace(gw, traceId);
    expect(read!.spans.map((s) => s.operation)).toEqual(['good']);
  });

  it('counts spans with bad ids in partialSuccess (protobuf response)', async () => {
    const traceId = hex(16);
    const ms = BigInt(Date.now() - 10_000);
    const span = (tid: Buffer, sid: Buffer, name: string) =>
      new ProtoWriter().bytesField(1, tid).bytesField(2, sid).stringField(5, name).fixed64Field(7, ms * 1_000_000n).fixed64Field(8, (ms + 1n) * 1_000_000n);
    const scope = new ProtoWriter()
      .messageField(2, span(Buffer.from(traceId, 'hex'), randomBytes(8), 'good'))
      .messageField(2, span(randomBytes(8), randomBytes(8), 'eight-byte trace id'));
    const body = new ProtoWriter().messageField(1, new ProtoWriter().messageField(2, scope)).finish();
    const res = await postTraces(gw, body, { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/x-protobuf');
    // ExportTraceServiceResponse { partial_success (1) { rejected_spans (1), error_message (2) } }
    const outer = new ProtoReader(res.body);
    expect(outer.tag()).toEqual({ field: 1, wireType: 2 });
    const partial = decodeCodeAndMessage(outer.bytes());
    expect(partial.first).toBe(1n);
    expect(partial.message).toMatch(/^1 of 2 spans rejected: span 1: INVALID_TRACE_ID traceId: expected 32 hex digits/);
    expect((await readTrace(gw, traceId))!.spans.map((s) => s.service.name)).toEqual(['unknown_service']);
  });

  it('answers a fully accepted export with an empty ExportTraceServiceResponse', async () => {
    const ms = Date.now() - 10_000;
    const json = await postTraces(gw, jsonRequest([jsonSpan(hex(16), hex(8), 'a', ms)]), { 'content-type': 'application/json; charset=utf-8' });
    expect(json.status).toBe(200);
    expect(JSON.parse(json.body.toString())).toEqual({});
    const proto = await postTraces(gw, new Uint8Array(0), { 'content-type': 'application/x-protobuf' });
    expect(proto.status).toBe(200);
    expect(proto.body.length).toBe(0);
  });

  it('answers 400 with a google.rpc.Status for undecodable JSON and protobuf', async () => {
    const json = await postTraces(gw, '{"resourceSpans": [', { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
    const status = JSON.parse(json.body.toString());
    expect(status.code).toBe(3); // INVALID_ARGUMENT
    expect(status.message).toMatch(/^BAD_USER_INPUT: undecodable JSON ExportTraceServiceRequest: /);

    const proto = await postTraces(gw, Uint8Array.from([0x0a, 0x05, 0x01]), { 'content-type': 'application/x-protobuf' });
    expect(proto.status).toBe(400);
    expect(proto.contentType).toBe('application/x-protobuf');
    expect(decodeCodeAndMessage(proto.body)).toEqual({
      first: 3n,
      message: 'BAD_USER_INPUT: undecodable protobuf ExportTraceServiceRequest: length 5 at byte 1 runs beyond the message (1 bytes left)',
    });
  });

  it('answers 415 for another content type or content coding', async () => {
    const text = await postTraces(gw, 'hello', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(JSON.parse(text.body.toString()).message).toBe(
      'BAD_USER_INPUT: unsupported Content-Type: expected application/x-protobuf or application/json, got "text/plain"',
    );
    const br = await postTraces(gw, 'x', { 'content-type': 'application/json', 'content-encoding': 'br' });
    expect(br.status).toBe(415);
  });

  it('answers 413 for a gzip bomb that inflates past the cap, storing nothing of it', async () => {
    const traceId = hex(16);
    const ms = Date.now() - 10_000;
    // A valid request padded with a long attribute: small as gzip, far over the cap once inflated.
    const big = jsonRequest([{ ...jsonSpan(traceId, hex(8), 'bomb', ms), attributes: [{ key: 'pad', value: { stringValue: 'a'.repeat(8 * 1024 * 1024) } }] }]);
    const bomb = gzipSync(big);
    expect(bomb.length).toBeLessThan(BODY_CAP);
    const res = await postTraces(gw, bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body.toString()).message).toBe(`PAYLOAD_TOO_LARGE: request body: expected at most ${BODY_CAP} bytes, received gzip inflating to more than ${BODY_CAP} bytes`);
    expect(await readTrace(gw, traceId)).toBeNull();
  });

  it('answers 413 for a plain body over the cap', async () => {
    const traceId = hex(16);
    const body = jsonRequest([{ ...jsonSpan(traceId, hex(8), 'big', Date.now() - 10_000), attributes: [{ key: 'pad', value: { stringValue: 'a'.repeat(2 * BODY_CAP) } }] }]);
    const res = await postTraces(gw, body, { 'content-type': 'application/json' });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body.toString()).message).toBe(`PAYLOAD_TOO_LARGE: request body: expected at most ${BODY_CAP} bytes, received ${Buffer.byteLength(body)} bytes (Content-Length)`);
    expect(await readTrace(gw, traceId)).toBeNull();
  });

  it('answers 413 for more spans than the per-request cap, storing none of them', async () => {
    const traceId = hex(16);
    const ms = Date.now() - 10_000;
    const spans = Array.from({ length: MAX_SPANS + 1 }, (_, i) => jsonSpan(traceId, hex(8), `s${i}`, ms));
    const res = await postTraces(gw, jsonRequest(spans), { 'content-type': 'application/json' });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body.toString()).message).toMatch(/^PAYLOAD_TOO_LARGE: /);
    expect(await readTrace(gw, traceId)).toBeNull();
  });

  it('stores the same spans as submitSpans: a span sent by OTLP is a duplicate for the mutation', async () => {
    const traceId = hex(16);
    const spanId = hex(8);
    const ms = Date.now() - 10_000;
    expect((await postTraces(gw, jsonRequest([jsonSpan(traceId, spanId, 'shared', ms)]), { 'content-type': 'application/json' })).status).toBe(200);
    const submitted = await gw.gql(
      'mutation($spans: [SpanInput!]!) { submitSpans(spans: $spans) { accepted duplicates rejected { index code } } }',
      {
        spans: [
          {
            traceId,
            spanId,
            service: 'cart',
            operation: 'shared',
            startTime: new Date(ms).toISOString(),
            endTime: new Date(ms + 5).toISOString(),
          },
        ],
      },
    );
    expect(submitted.data?.submitSpans).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    expect((await readTrace(gw, traceId))!.spanCount).toBe(1);
  });
});
