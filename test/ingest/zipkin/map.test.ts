import { DEFAULT_INGEST_LIMITS, validateSpans } from '../../../src/domain';
import { decodeZipkinSpans, sharedServerSpanId, ZipkinDecodeError } from '../../../src/ingest/zipkin/map';

const body = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v));
const TS = 1_764_151_200_123_456; // µs

const server = {
  traceId: '463ac35c9f6413ad48485a3953bb6124',
  id: 'a2fb4a1d1a96d312',
  name: 'get /api',
  kind: 'SERVER',
  timestamp: TS,
  duration: 207_000,
  localEndpoint: { serviceName: 'frontend', ipv4: '192.168.99.1', port: 3306 },
  remoteEndpoint: { ipv4: '172.19.0.2', port: 58648 },
  tags: { 'http.method': 'GET', 'http.status_code': '200' },
};

describe('decodeZipkinSpans', () => {
  it('maps a Zipkin v2 span as documented', () => {
    const out = decodeZipkinSpans(body([server]));
    expect(out.rejected).toEqual([]);
    expect(out.inputs).toEqual([
      {
        traceId: '463ac35c9f6413ad48485a3953bb6124',
        spanId: 'a2fb4a1d1a96d312',
        service: 'frontend',
        operation: 'get /api',
        kind: 'SERVER',
        startTime: '2025-11-26T10:00:00.123456000Z',
        endTime: '2025-11-26T10:00:00.330456000Z',
        status: 'UNSET',
        result: { status: 'OK', code: '200' },
        attributes: [
          { key: 'http.method', value: 'GET' },
          { key: 'http.status_code', value: '200' },
          { key: 'zipkin.localEndpoint', value: { ipv4: '192.168.99.1', port: 3306 } },
          { key: 'zipkin.remoteEndpoint', value: { ipv4: '172.19.0.2', port: 58648 } },
        ],
        events: [],
      },
    ]);
  });

  it('pads a 64-bit trace id, maps the error tag, annotations, parentId, shared and debug', () => {
    const out = decodeZipkinSpans(
      body([
        {
          traceId: '48485A3953BB6124',
          parentId: 'a2fb4a1d1a96d312',
          id: 'b7ad6b7169203331',
          name: 'charge',
          kind: 'CLIENT',
          timestamp: TS,
          shared: true,
          debug: true,
          localEndpoint: { serviceName: 'payment' },
          tags: { error: 'card declined' },
          annotations: [{ timestamp: TS + 5, value: 'retry' }],
        },
      ]),
    );
    expect(out.inputs[0]).toMatchObject({
      traceId: '000000000000000048485A3953BB6124',
      parentSpanId: 'a2fb4a1d1a96d312',
      kind: 'CLIENT',
      endTime: '2025-11-26T10:00:00.123456000Z',
      status: 'ERROR',
      result: { status: 'ERROR', message: 'card declined' },
      events: [{ time: '2025-11-26T10:00:00.123461000Z', name: 'retry' }],
      attributes: [
        { key: 'error', value: 'card declined' },
        { key: 'zipkin.debug', value: true },
        { key: 'zipkin.shared', value: true },
      ],
    });
  });

  it('gives a shared SERVER half its own deterministic span id, the CLIENT half as parent, the shared id as zipkin.id', () => {
    const shared = { ...server, id: 'B7AD6B7169203331', parentId: 'a2fb4a1d1a96d312', shared: true, localEndpoint: { serviceName: 'payments' } };
    const [first, again] = [decodeZipkinSpans(body([shared])), decodeZipkinSpans(body([shared]))];
    const derived = sharedServerSpanId(server.traceId, 'b7ad6b7169203331');
    expect(derived).toMatch(/^[0-9a-f]{16}$/);
    expect(derived).not.toBe('b7ad6b7169203331');
    expect(sharedServerSpanId(server.traceId.toUpperCase(), 'B7AD6B7169203331')).toBe(derived);
    expect(sharedServerSpanId(server.traceId, 'b7ad6b7169203332')).not.toBe(derived);
    expect(first.inputs[0]).toMatchObject({ spanId: derived, parentSpanId: 'B7AD6B7169203331', kind: 'SERVER', service: 'payments' });
    expect(first.inputs[0]!.attributes).toEqual(
      expect.arrayContaining([
        { key: 'zipkin.shared', value: true },
        { key: 'zipkin.id', value: 'b7ad6b7169203331' },
      ]),
    );
    expect(again.inputs).toEqual(first.inputs);
    // Only the SERVER half moves; a shared CLIENT (or a span without the flag) keeps its id.
    const client = decodeZipkinSpans(body([{ ...shared, kind: 'CLIENT' }, { ...server }]));
    expect(client.inputs.map((i) => i.spanId)).toEqual(['B7AD6B7169203331', server.id]);
  });

  it('falls back to unknown_service, unknown and INTERNAL when endpoint, name and kind are absent', () => {
    const out = decodeZipkinSpans(body([{ traceId: server.traceId, id: server.id, timestamp: TS }]));
    expect(out.inputs[0]).toMatchObject({ service: 'unknown_service', operation: 'unknown', kind: 'INTERNAL', attributes: [], events: [] });
    expect(validateSpans(out.inputs, DEFAULT_INGEST_LIMITS, TS + 60_000_000).rejected).toEqual([]);
  });

  it('rejects single spans that do not fit, by position, and keeps the others', () => {
    const out = decodeZipkinSpans(
      body([
        server,
        { ...server, timestamp: undefined },
        { ...server, kind: 'server' },
        { ...server, tags: { n: 1 } },
        { ...server, duration: -5 },
        'not a span',
        { ...server, annotations: [{ value: 'x' }] },
      ]),
    );
    expect(out.total).toBe(7);
    expect(out.positions).toEqual([0]);
    expect(out.rejected.map((r) => [r.index, r.message])).toEqual([
      [1, 'timestamp: required (epoch microseconds), got nothing'],
      [2, 'kind: expected one of CLIENT, SERVER, PRODUCER, CONSUMER, got "server"'],
      [3, 'tags.n: expected a string, got number 1'],
      [4, 'duration: expected a non-negative integer of microseconds, got number -5'],
      [5, 'expected a span object, got the string "not a span"'],
      [6, 'annotations[0].timestamp: required (epoch microseconds), got nothing'],
    ]);
    expect(out.rejected.every((r) => r.code === 'BAD_USER_INPUT')).toBe(true);
  });

  it('refuses a body that is not a JSON list of spans', () => {
    expect(() => decodeZipkinSpans(Buffer.from('[{'))).toThrow(/^undecodable Zipkin v2 JSON: /);
    expect(() => decodeZipkinSpans(body({ spans: [] }))).toThrow(new ZipkinDecodeError('expected a JSON array of Zipkin v2 spans, got an object'));
  });
});
