/**
 * Erasure on request: `deleteTraces` through two gateways sharing one store. One customer's traces (found by
 * a hashed customer id) are counted by a dry run, then erased: the counts are exact, and nothing of them is left
 * in spans, trace summaries, service summaries or analytics rollups, read through GraphQL on the other gateway
 * and directly through the driver. Refused without the admin scope; logged without values; live subscribers of an erased
 * trace hear nothing more.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { ErasureRequest, ErasureResult } from '../../src/ingest/erasure';
import { analyticsExtension, liveExtension, type LiveExtension } from '../../src/server';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { startTestMongo, type TestMongo } from '../helpers/mongo';
import { connect, subscribe } from '../live/helpers/ws-client';
import { eventually } from '../helpers/eventually';

const ADMIN = 'admin-token-0001';
const INGEST = 'ingest-token-0002';
const KEY = 'erasure-test-key-0123456789abcdef';
const TOKENS = `ops:admin+read:${ADMIN},shop:ingest+read:${INGEST}`;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

const SUBMIT = 'mutation($spans: [SpanInput!]!) { submitSpans(spans: $spans) { accepted rejected { index code message } } }';
const DELETE = 'mutation($f: TraceFilter!, $dry: Boolean) { deleteTraces(filter: $f, dryRun: $dry) { traces spans dryRun } }';
const DELETE_DEFAULT = 'mutation($f: TraceFilter!) { deleteTraces(filter: $f) { traces spans dryRun } }';

let seq = 0;
function traceId(): string {
  seq += 1;
  return `e7a5e${String(seq).padStart(3, '0')}`.padEnd(32, '0');
}

/** A trace of `spans` spans: the root in `services[0]`, children in the others, all carrying `customer`. */
function trace(id: string, customer: string, services: string[], operationPrefix = 'op'): Record<string, unknown>[] {
  const start = Date.now() - 60_000;
  return services.map((service, i) => ({
    traceId: id,
    spanId: String(i + 1).padStart(16, '0'),
    ...(i === 0 ? {} : { parentSpanId: '0000000000000001' }),
    service,
    operation: `${operationPrefix}-${service}`,
    startTime: new Date(start + i).toISOString(),
    endTime: new Date(start + 10 + i).toISOString(),
    status: i === 1 ? 'ERROR' : 'OK',
    attributes: [{ key: 'customer.id', value: customer }, { key: 'region', value: 'eu' }],
  }));
}

describe('deleteTraces', () => {
  let mongo: TestMongo;
  let dir: string;
  let a: TestGateway;
  let b: TestGateway;
  let raw: MongoClient;
  let liveA: LiveExtension;
  const audit: (ErasureRequest & ErasureResult)[] = [];

  beforeAll(async () => {
    mongo = await startTestMongo();
    dir = mkdtempSync(join(tmpdir(), 'tracegate-erasure-'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, 'rules:\n  - name: customer-id\n    key: customer.id\n');
    const env = { TRACEGATE_TOKENS: TOKENS, TRACEGATE_REDACTION: rules, TRACEGATE_REDACTION_KEY: KEY, TRACEGATE_LIVE_SOURCE: 'local' };
    a = await startTestGateway({ mongo, env, extensions: [(liveA = liveExtension()), analyticsExtension()] });
    b = await startTestGateway({ mongo, env, extensions: [liveExtension(), analyticsExtension()] });
    for (const gw of [a, b]) gw.gateway.ingest.erasure.audit = (entry) => audit.push(entry);
    raw = new MongoClient(mongo.uri);
  });
  afterAll(async () => {
    await raw.close();
    await a.stop();
    await b.stop();
    await mongo.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function submit(gw: TestGateway, spans: Record<string, unknown>[]): Promise<void> {
    const res = await gw.gql<{ submitSpans: { accepted: number; rejected: unknown[] } }>(SUBMIT, { spans }, auth(INGEST));
    expect(res.data?.submitSpans).toEqual({ accepted: spans.length, rejected: [] });
  }

  async function services(gw: TestGateway): Promise<Record<string, { spanCount: number; operations: string[] }>> {
    const res = await gw.gql<{ services: { name: string; spanCount: number; operations: string[] }[] }>('{ services { name spanCount operations } }', {}, auth(ADMIN));
    return Object.fromEntries(res.data!.services.map((s) => [s.name, { spanCount: s.spanCount, operations: s.operations }]));
  }

  // Calls per minute rollup series (a service, its operations, an edge), summed over minutes; series without calls left out.
  async function rollupCalls(): Promise<Record<string, number>> {
    const docs = await raw
      .db(mongo.dbName)
      .collection<{ k: string; s: string; x?: string; c?: number; o?: Record<string, { c?: number }> }>('rollups')
      .find({ k: { $in: ['s', 'e'] } })
      .toArray();
    const out: Record<string, number> = {};
    const add = (key: string, c: number) => (out[key] = (out[key] ?? 0) + c);
    for (const doc of docs) {
      if (doc.k === 'e') add(`e:${doc.s}>${doc.x}`, doc.c ?? 0);
      for (const [operation, figures] of Object.entries(doc.o ?? {})) {
        add(`s:${doc.s}`, figures.c ?? 0);
        add(`o:${doc.s}>${operation}`, figures.c ?? 0);
      }
    }
    return Object.fromEntries(Object.entries(out).filter(([, c]) => c !== 0));
  }

  it('is refused without the admin scope, and with authentication off', async () => {
    const filter = { service: 'shop' };
    const ingestOnly = await a.gql(DELETE, { f: filter, dry: true }, auth(INGEST));
    expect(ingestOnly.status).toBe(403);
    expect(ingestOnly.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(ingestOnly.errors?.[0]?.message).toMatch(/lacks scope "admin"/);
    const anonymous = await a.gql(DELETE, { f: filter, dry: true });
    expect(anonymous.status).toBe(401);
    // An admin token may not smuggle an ingest mutation along, nor the other way round.
    const mixed = await a.gql('mutation($s: [SpanInput!]!, $f: TraceFilter!) { submitSpans(spans: $s) { accepted } deleteTraces(filter: $f) { traces } }', { s: [], f: filter }, auth(ADMIN));
    expect(mixed.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const open = await startTestGateway({ mongo });
    try {
      const res = await open.gql(DELETE, { f: filter, dry: true });
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(res.errors?.[0]?.message).toMatch(/expected a token with the admin scope, received a request on a gateway with authentication off/);
    } finally {
      await open.stop();
    }
    const empty = await a.gql(DELETE, { f: {}, dry: true }, auth(ADMIN));
    expect(empty.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(empty.errors?.[0]?.message).toMatch(/expected at least one criterion, received an empty filter/);
    expect(audit).toEqual([]);
  });

  it("erases one customer's traces written through two gateways: exact counts, nothing left anywhere", async () => {
    const customer = 'C-erase-1';
    const other = 'C-keep-2';
    const t1 = traceId();
    const t2 = traceId();
    const t3 = traceId();
    const kept = traceId();
    await submit(a, trace(t1, customer, ['shop', 'payment', 'bank']));
    await submit(b, trace(t2, customer, ['shop', 'payment']));
    await submit(a, trace(t3, customer, ['erase-only'], 'gone'));
    await submit(b, trace(kept, other, ['shop', 'payment'], 'kept'));
    const before = await services(b);
    expect(await rollupCalls()).toMatchObject({ 's:shop': 3, 's:payment': 3, 's:bank': 1, 's:erase-only': 1, 'e:shop>payment': 3, 'e:shop>bank': 1 });
    expect(before['erase-only']).toEqual({ spanCount: 1, operations: ['gone-erase-only'] });

    // A live subscriber of t1 on the erasing gateway.
    const client = connect(a.url, { connectionParams: auth(ADMIN) });
    const sub = subscribe(client, 'subscription($id: ID!) { traceUpdated(traceId: $id) { spans { spanId } } }', { id: t1 });
    await eventually(() => (liveA.stats()?.hub.subscriptions ?? 0) >= 1, 'the subscription to reach the hub');

    const filter = { hashedAttributes: [{ key: 'customer.id', value: customer }] };
    const dry = await b.gql(DELETE_DEFAULT, { f: filter }, auth(ADMIN));
    expect(dry.data).toEqual({ deleteTraces: { traces: 3, spans: 6, dryRun: true } });
    expect((await b.gql<{ traces: { nodes: unknown[] } }>('query($f: TraceFilter) { traces(filter: $f) { nodes { id } } }', { f: filter }, auth(ADMIN))).data!.traces.nodes).toHaveLength(3);

    const deleted = await a.gql(DELETE, { f: filter, dry: false }, auth(ADMIN));
    expect(deleted.data).toEqual({ deleteTraces: { traces: 3, spans: 6, dryRun: false } });
    await sub.until((c) => c.completed, 'the erased trace subscription to complete');
    expect(sub.results).toEqual([]);
    await client.dispose();

    // Read back through the other gateway.
    const search = await b.gql<{ traces: { nodes: { id: string }[] } }>('query($f: TraceFilter) { traces(filter: $f) { nodes { id } } }', { f: filter }, auth(ADMIN));
    expect(search.data!.traces.nodes).toEqual([]);
    for (const id of [t1, t2, t3]) {
      const res = await b.gql<{ trace: unknown; span: unknown }>('query($id: ID!) { trace(id: $id) { id } span(traceId: $id, spanId: "0000000000000001") { spanId } }', { id }, auth(ADMIN));
      expect(res.data).toEqual({ trace: null, span: null });
    }
    const keptTrace = await b.gql<{ trace: { spanCount: number } }>('query($id: ID!) { trace(id: $id) { spanCount } }', { id: kept }, auth(ADMIN));
    expect(keptTrace.data!.trace.spanCount).toBe(2);

    const after = await services(b);
    expect(after['erase-only']).toBeUndefined();
    expect(after['shop']!.spanCount).toBe(before['shop']!.spanCount - 2);
    expect(after['payment']!.spanCount).toBe(before['payment']!.spanCount - 2);
    expect(after['bank']).toBeUndefined();
    expect(after['shop']!.operations).toEqual(['kept-shop']);
    expect(after['payment']!.operations).toEqual(['kept-payment']);

    // And directly in the store.
    const db = raw.db(mongo.dbName);
    const erased = [t1, t2, t3];
    expect(await db.collection('spans').countDocuments({ traceId: { $in: erased } })).toBe(0);
    expect(await db.collection('traces').countDocuments({ _id: { $in: erased as never[] } })).toBe(0);
    expect(await db.collection('services').countDocuments({ _id: { $in: ['erase-only', 'bank'] as never[] } })).toBe(0);
    expect(JSON.stringify(await db.collection('services').find({}).toArray())).not.toMatch(/gone-erase-only|op-shop|op-payment|op-bank/);
    expect(await db.collection('spans').countDocuments({ traceId: kept })).toBe(2);

    // The analytics rollups hold only the kept trace, and no erased operation's name.
    expect(await rollupCalls()).toEqual({ 's:shop': 1, 's:payment': 1, 'o:shop>kept-shop': 1, 'o:payment>kept-payment': 1, 'e:shop>payment': 1 });
    expect(JSON.stringify(await db.collection('rollups').find({}).toArray())).not.toMatch(/gone-erase-only|op-shop|op-payment|op-bank/);

    // Erasing again finds nothing.
    expect((await b.gql(DELETE, { f: filter, dry: false }, auth(ADMIN))).data).toEqual({ deleteTraces: { traces: 0, spans: 0, dryRun: false } });

    // Audited: who, the filter's shape, counts; never the value.
    expect(audit.map(({ requestId: _requestId, ...rest }) => rest)).toEqual([
      { who: 'ops', filter: 'hashedAttributes[customer.id]', traces: 3, spans: 6, dryRun: true },
      { who: 'ops', filter: 'hashedAttributes[customer.id]', traces: 3, spans: 6, dryRun: false },
      { who: 'ops', filter: 'hashedAttributes[customer.id]', traces: 0, spans: 0, dryRun: false },
    ]);
    expect(JSON.stringify(audit)).not.toContain(customer);
  });
});
