/**
 * Redaction on every ingest route: spans carrying a card number (in url.full's query, in an attribute and in the
 * status message), an e-mail and an authorization header, sent with the real OpenTelemetry exporters (OTLP/HTTP
 * JSON and protobuf, Zipkin) and through the submitSpans mutation. Nothing readable back (GraphQL, a live
 * subscription, the raw store documents read through the driver) holds an original value; non-sensitive values
 * are untouched; a hashed customer id is found by `hashedAttributes`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { otlpGrpcExtension, type OtlpGrpcExtension } from '../../src/ingest/otlp-grpc';
import { standardIngestExtension } from '../../src/ingest/standard';
import { liveExtension, type LiveExtension } from '../../src/server';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { connect, subscribe } from '../live/helpers/ws-client';
import { eventually } from '../helpers/eventually';

const run = promisify(execFile);
const CLIENT = join(__dirname, 'sensitive-client.js');
const KEY = 'privacy-test-key-0123456789abcdef';

/** Every original sensitive value, in each form a route might carry it. */
const SECRETS = ['4111 1111 1111 1111', '4111%201111%201111%201111', '4111111111111111', '5500-0000-0000-0004', '5500000000000004', 'alice@example.com', 'alice%40example.com', 'sk_live_abcdef123456'];

const SPAN_FIELDS = 'traceId spanId operation redactedCount attributes { key value } result { status code message data } events { name attributes { key value } }';

interface ReadSpan {
  traceId: string;
  spanId: string;
  operation: string;
  redactedCount: number;
  attributes: { key: string; value: unknown }[];
  result: { status: string; code: string | null; message: string | null; data: unknown } | null;
}

function secretsIn(value: unknown, extra: readonly string[] = []): string[] {
  const text = JSON.stringify(value);
  return [...SECRETS, ...extra].filter((s) => text.includes(s));
}

function attrs(span: ReadSpan): Record<string, unknown> {
  return Object.fromEntries(span.attributes.map((a) => [a.key, a.value]));
}

describe('redaction at ingest, on every route', () => {
  let gw: TestGateway;
  let dir: string;
  let raw: MongoClient;
  let live: ReturnType<typeof connect>;
  let liveExt: LiveExtension;
  let grpc: OtlpGrpcExtension;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tracegate-privacy-'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, 'rules:\n  - name: customer-id\n    key: customer.id\n    action: hash\n');
    gw = await startTestGateway({ env: { TRACEGATE_REDACTION: rules, TRACEGATE_REDACTION_KEY: KEY }, extensions: [standardIngestExtension(), (liveExt = liveExtension()), (grpc = otlpGrpcExtension({ port: 0, host: '127.0.0.1' }))] });
    raw = new MongoClient(gw.mongo.uri);
    live = connect(gw.url);
  });
  afterAll(async () => {
    await live.dispose();
    await raw.close();
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function readSpans(traceId: string): Promise<ReadSpan[]> {
    const res = await gw.gql<{ trace: { spans: ReadSpan[] } | null }>(`query($id: ID!) { trace(id: $id) { spans { ${SPAN_FIELDS} } } }`, { id: traceId });
    expect(res.errors).toBeUndefined();
    return res.data?.trace?.spans ?? [];
  }

  async function rawDocuments(traceId: string): Promise<unknown[]> {
    const db = raw.db(gw.mongo.dbName);
    return [...(await db.collection('spans').find({ traceId }).toArray()), ...(await db.collection('traces').find({ _id: traceId as never }).toArray()), ...(await db.collection('services').find({}).toArray())];
  }

  async function findByHashedCustomer(customerId: string): Promise<string[]> {
    const res = await gw.gql<{ traces: { nodes: { id: string }[] } }>(
      'query($f: TraceFilter) { traces(filter: $f, first: 10) { nodes { id } } }',
      { f: { hashedAttributes: [{ key: 'customer.id', value: customerId }] } },
    );
    expect(res.errors).toBeUndefined();
    return res.data!.traces.nodes.map((n) => n.id);
  }

  async function checkTrace(traceId: string, customerId: string, liveSpans: ReadSpan[], chargeRedactions = 3): Promise<void> {
    const spans = await readSpans(traceId);
    expect(spans).toHaveLength(2);
    expect(secretsIn(spans, [customerId])).toEqual([]);
    expect(secretsIn(liveSpans, [customerId])).toEqual([]);
    expect(secretsIn(await rawDocuments(traceId), [customerId])).toEqual([]);

    const pay = spans.find((s) => s.operation === 'POST /pay')!;
    const charge = spans.find((s) => s.operation === 'charge')!;
    const a = attrs(pay);
    // Only the card parameter of the URL changed; the rest is byte for byte as sent.
    expect(a['url.full']).toMatch(/^https:\/\/shop\.example\/pay\?lang=en&card=hmac%3A[0-9a-f]{32}&order=1234567812345678$/);
    expect(a['user.email']).toMatch(/^hmac:[0-9a-f]{32}$/);
    expect(a['http.request.header.authorization']).toMatch(/^hmac:[0-9a-f]{32}$/);
    expect(a['payment.card']).toMatch(/^hmac:[0-9a-f]{32}$/);
    expect(a['order.id']).toBe('1234567812345678');
    expect(a['http.route']).toBe('/pay');
    expect(pay.redactedCount).toBe(5);
    expect(charge.result?.message).toMatch(/^card hmac:[0-9a-f]{32} declined for hmac:[0-9a-f]{32}$/);
    expect(attrs(charge)['app.region']).toBe('eu-1');
    expect(charge.redactedCount).toBe(chargeRedactions);
    expect(await findByHashedCustomer(customerId)).toEqual([traceId]);
    // The clear value finds nothing: it was never stored.
    const clear = await gw.gql<{ traces: { nodes: unknown[] } }>('query($f: TraceFilter) { traces(filter: $f) { nodes { id } } }', { f: { attributes: [{ key: 'customer.id', value: customerId }] } });
    expect(clear.data!.traces.nodes).toEqual([]);
  }

  // Resolves once the subscription reached the hub, so spans sent afterwards are delivered to it.
  async function watch(): Promise<{ spans: () => ReadSpan[]; until: (traceId: string) => Promise<void>; stop: () => void }> {
    const before = liveExt.stats()?.hub.subscriptions ?? 0;
    const sub = subscribe<{ spansReceived: { spans: ReadSpan[] } }>(live, `subscription { spansReceived(filter: { service: "shop" }) { spans { ${SPAN_FIELDS} } } }`);
    const spans = () => sub.results.flatMap((r) => r.data?.spansReceived.spans ?? []);
    await eventually(() => (liveExt.stats()?.hub.subscriptions ?? 0) > before, 'the subscription to reach the hub');
    return {
      spans,
      until: (traceId) => sub.until(() => spans().filter((s) => s.traceId === traceId).length === 2, `both spans of ${traceId} live`),
      stop: () => sub.unsubscribe(),
    };
  }

  it.each([
    ['OTLP/HTTP JSON', 'otlp-json', '/v1/traces', 3],
    ['OTLP/HTTP protobuf', 'otlp-proto', '/v1/traces', 3],
    ['OTLP/gRPC', 'otlp-grpc', '', 3],
    // Zipkin carries the status message twice: as the result message and as the `error` tag, kept as an attribute.
    ['Zipkin v2 (OpenTelemetry Zipkin exporter)', 'zipkin', '/api/v2/spans', 5],
  ])('%s: nothing sensitive is stored, served or pushed live', async (_name, route, path, chargeRedactions) => {
    const customerId = `C-${route}-${Date.now()}`;
    const watcher = await watch();
    const url = route === 'otlp-grpc' ? `http://127.0.0.1:${grpc.address()!.port}` : `${gw.origin}${path}`;
    const { stdout } = await run(process.execPath, [CLIENT, url, route, String(Math.floor(Date.now() / 1000) - 60), customerId], { timeout: 20_000 });
    const client = JSON.parse(stdout) as { traceId: string; exports: { code: number; error: string | null }[] };
    expect(client.exports.length).toBeGreaterThan(0);
    expect(client.exports.every((e) => e.code === 0)).toBe(true);
    await watcher.until(client.traceId);
    const liveSpans = watcher.spans().filter((s) => s.traceId === client.traceId);
    watcher.stop();
    await checkTrace(client.traceId, customerId, liveSpans, chargeRedactions);
  });

  it('submitSpans mutation: the same, and event attributes and result.data too', async () => {
    const customerId = `C-mutation-${Date.now()}`;
    const traceId = 'c0ffee' + String(Date.now()).padStart(26, '0');
    const start = new Date(Date.now() - 60_000);
    const at = (ms: number) => new Date(start.getTime() + ms).toISOString();
    const watcher = await watch();
    const res = await gw.gql<{ submitSpans: { accepted: number; rejected: unknown[] } }>(
      'mutation($spans: [SpanInput!]!) { submitSpans(spans: $spans) { accepted rejected { index code message } } }',
      {
        spans: [
          {
            traceId, spanId: '0000000000000001', service: 'shop', operation: 'POST /pay', kind: 'SERVER', startTime: at(0), endTime: at(100),
            attributes: [
              { key: 'url.full', value: 'https://shop.example/pay?lang=en&card=4111%201111%201111%201111&order=1234567812345678' },
              { key: 'user.email', value: 'alice@example.com' },
              { key: 'http.request.header.authorization', value: 'Bearer sk_live_abcdef123456' },
              { key: 'payment.card', value: '5500-0000-0000-0004' },
              { key: 'customer.id', value: customerId },
              { key: 'order.id', value: '1234567812345678' },
              { key: 'http.route', value: '/pay' },
            ],
          },
          {
            traceId, spanId: '0000000000000002', parentSpanId: '0000000000000001', service: 'shop', operation: 'charge', kind: 'CLIENT', startTime: at(20), endTime: at(50), status: 'ERROR',
            result: { status: 'ERROR', code: '402', message: 'card 4111111111111111 declined for alice@example.com' },
            attributes: [{ key: 'customer.id', value: customerId }, { key: 'app.region', value: 'eu-1' }],
          },
        ],
      },
    );
    expect(res.data?.submitSpans).toEqual({ accepted: 2, rejected: [] });
    await watcher.until(traceId);
    const liveSpans = watcher.spans().filter((s) => s.traceId === traceId);
    watcher.stop();
    await checkTrace(traceId, customerId, liveSpans);

    const more = await gw.gql<{ submitSpans: { accepted: number } }>('mutation($spans: [SpanInput!]!) { submitSpans(spans: $spans) { accepted } }', {
      spans: [
        {
          traceId, spanId: '0000000000000003', parentSpanId: '0000000000000002', service: 'bank', operation: 'authorize', startTime: at(25), endTime: at(45),
          result: { status: 'ERROR', code: 'DECLINED', data: { card: { number: '4111 1111 1111 1111', holder: 'A. Smith' }, contact: ['alice@example.com'], attempt: 2 } },
          events: [{ time: at(30), name: 'retry', attributes: [{ key: 'authorization', value: 'Basic xyz' }, { key: 'attempt', value: 2 }] }],
        },
      ],
    });
    expect(more.data?.submitSpans.accepted).toBe(1);
    const bank = (await readSpans(traceId)).find((s) => s.operation === 'authorize')! as ReadSpan & { events: { attributes: { key: string; value: unknown }[] }[] };
    expect(secretsIn(bank, ['Basic xyz'])).toEqual([]);
    expect(bank.result!.data).toEqual({ card: { number: expect.stringMatching(/^hmac:/), holder: 'A. Smith' }, contact: [expect.stringMatching(/^hmac:/)], attempt: 2 });
    expect(bank.events[0]!.attributes).toEqual([{ key: 'authorization', value: expect.stringMatching(/^hmac:/) }, { key: 'attempt', value: 2 }]);
    expect(bank.redactedCount).toBe(3);
  });

  it('counts redactions per rule in /metrics', async () => {
    const res = await fetch(`${gw.origin}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const count = (rule: string) => Number(new RegExp(`^tracegate_redactions_total\\{rule="${rule}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    expect(count('card')).toBeGreaterThanOrEqual(5 * 3);
    expect(count('email')).toBeGreaterThanOrEqual(5 * 2);
    expect(count('customer-id')).toBeGreaterThanOrEqual(5 * 2);
    expect(count('jwt')).toBeGreaterThanOrEqual(0);
  });

  it('hashedAttributes is refused on a gateway without a key', async () => {
    const plain = await startTestGateway();
    try {
      const res = await plain.gql('{ traces(filter: { hashedAttributes: [{ key: "customer.id", value: "C-1" }] }) { nodes { id } } }');
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(/hashedAttributes: expected a gateway with TRACEGATE_REDACTION_KEY set/);
    } finally {
      await plain.stop();
    }
  });
});
