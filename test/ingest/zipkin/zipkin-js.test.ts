/**
 * Zipkin's own JS tracer (zipkin + zipkin-transport-http 0.22, default tracer settings: supportsJoin) in two real
 * node:http services, shop -> payments, reporting to the gateway's POST /api/v2/spans; read back through GraphQL.
 * zipkin-js reports the payments SERVER half under the shop CLIENT half's span id (`shared: true`).
 */
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchRecorder, ExplicitContext, Instrumentation, jsonEncoder, option, Tracer } from 'zipkin';
import { HttpLogger } from 'zipkin-transport-http';
import { sharedServerSpanId } from '../../../src/ingest/zipkin/map';
import type { TestGateway } from '../../helpers/gateway';
import { attributeMap, readTrace, startIngestGateway, type ReadTrace } from '../http/helpers';
import { eventually } from '../../helpers/eventually';

/** A zipkin-js tracer on its defaults, reporting JSON v2 to the gateway; collects the transport's errors. */
function zipkinTracer(serviceName: string, collector: string): { tracer: Tracer; errors: string[] } {
  const logger = new HttpLogger({ endpoint: collector, jsonEncoder: jsonEncoder.JSON_V2 });
  const errors: string[] = [];
  (logger as unknown as NodeJS.EventEmitter).on('error', (err: Error) => errors.push(err.message));
  const tracer = new Tracer({ ctxImpl: new ExplicitContext(), recorder: new BatchRecorder({ logger }), localServiceName: serviceName });
  return { tracer, errors };
}

function headerReader(req: IncomingMessage): <T>(header: string) => option.IOption<T> {
  return <T,>(name: string) => option.fromNullable(req.headers[name.toLowerCase()] as T | undefined) as option.IOption<T>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Waits until the gateway holds `count` spans of `services` services in the trace. Both: each tracer posts on its
 * own, and a read may land between one post's spans and its trace summary.
 */
async function traceWithSpans(gw: TestGateway, traceId: string, count: number, services: number): Promise<ReadTrace> {
  const found: { trace?: ReadTrace } = {};
  await eventually(
    async () => {
      const trace = await readTrace(gw, traceId);
      if (trace && trace.spans.length >= count && trace.services.length >= services) found.trace = trace;
      return found.trace !== undefined;
    },
    `${count} spans of ${services} services in trace ${traceId}`,
    { intervalMs: 100 },
  );
  return found.trace!;
}

describe('zipkin-js (default settings) -> POST /api/v2/spans: shared spans', () => {
  let gw: TestGateway;
  const servers: Server[] = [];
  beforeAll(async () => {
    gw = await startIngestGateway();
  });
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    await gw.stop();
  });

  it('keeps both halves of an RPC: the payments SERVER half is a child of the shop CLIENT half', async () => {
    const collector = `${gw.origin}/api/v2/spans`;
    const payments = zipkinTracer('payments', collector);
    const shop = zipkinTracer('shop', collector);

    const paymentsServer = createServer((req: IncomingMessage, res: ServerResponse) => {
      payments.tracer.scoped(() => {
        const instrumentation = new Instrumentation.HttpServer({ tracer: payments.tracer, port: 0 });
        const id = instrumentation.recordRequest(req.method!, `http://127.0.0.1${req.url}`, headerReader(req));
        payments.tracer.recordBinary('payment.amount', '42.00');
        res.end('charged');
        instrumentation.recordResponse(id, '200');
      });
    });
    servers.push(paymentsServer);
    const paymentsUrl = await listen(paymentsServer);

    const shopServer = createServer((req: IncomingMessage, res: ServerResponse) => {
      shop.tracer.scoped(() => {
        const serverSide = new Instrumentation.HttpServer({ tracer: shop.tracer, port: 0 });
        const serverId = serverSide.recordRequest(req.method!, `http://127.0.0.1${req.url}`, headerReader(req));
        const client = new Instrumentation.HttpClient({ tracer: shop.tracer, remoteServiceName: 'payments' });
        const outgoing = client.recordRequest<{ headers: Record<string, string> }>({ headers: {} }, `${paymentsUrl}/charge`, 'POST');
        const clientId = shop.tracer.id;
        get(`${paymentsUrl}/charge`, { headers: outgoing.headers }, (paymentRes) => {
          paymentRes.resume();
          paymentRes.on('end', () => {
            shop.tracer.scoped(() => {
              client.recordResponse(clientId, String(paymentRes.statusCode));
              serverSide.recordResponse(serverId, '200');
            });
            res.end(JSON.stringify({ traceId: serverId.traceId, clientSpanId: clientId.spanId }));
          });
        });
      });
    });
    servers.push(shopServer);
    const shopUrl = await listen(shopServer);

    const answer = (await (await fetch(`${shopUrl}/checkout`)).json()) as { traceId: string; clientSpanId: string };
    const traceId = answer.traceId.padStart(32, '0');
    const trace = await traceWithSpans(gw, traceId, 3, 2);
    expect([...shop.errors, ...payments.errors]).toEqual([]);

    expect(trace.spanCount).toBe(3);
    expect(trace.services.map((s) => s.name).sort()).toEqual(['payments', 'shop']);
    const byKind = (service: string, kind: string) => trace.spans.find((s) => s.service.name === service && s.kind === kind)!;
    const shopServerSpan = byKind('shop', 'SERVER');
    const clientSpan = byKind('shop', 'CLIENT');
    const paymentsSpan = byKind('payments', 'SERVER');
    expect(clientSpan.spanId).toBe(answer.clientSpanId);
    expect(clientSpan.parentSpanId).toBe(shopServerSpan.spanId);
    expect(paymentsSpan).toMatchObject({
      spanId: sharedServerSpanId(traceId, answer.clientSpanId),
      parentSpanId: answer.clientSpanId,
      parent: { spanId: answer.clientSpanId },
    });
    expect(paymentsSpan.durationUs).toBeGreaterThanOrEqual(0);
    expect(attributeMap(paymentsSpan.attributes)).toMatchObject({
      'payment.amount': '42.00',
      'http.status_code': '200',
      'zipkin.shared': true,
      'zipkin.id': answer.clientSpanId,
    });
    expect(trace.rootSpan).toEqual({ spanId: shopServerSpan.spanId });
  });
});

describe('POST /api/v2/spans: shared halves in either order, re-submitted', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startIngestGateway();
  });
  afterAll(async () => {
    await gw.stop();
  });

  async function post(body: unknown): Promise<number> {
    return (await fetch(`${gw.origin}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status;
  }

  it('stores the server half that arrives first, then the client half; re-submits are duplicates', async () => {
    const traceId = '5af7183fb1d4cf5f' + '0123456789abcdef';
    const id = '352bff9a74ca9ad2';
    const ts = (Date.now() - 60_000) * 1000;
    const client = { traceId, id, name: 'post /charge', kind: 'CLIENT', timestamp: ts, duration: 900, localEndpoint: { serviceName: 'shop' } };
    const serverHalf = { traceId, id, name: 'post /charge', kind: 'SERVER', shared: true, timestamp: ts + 100, duration: 700, localEndpoint: { serviceName: 'payments' } };
    expect(await post([serverHalf])).toBe(202);
    expect(await post([client])).toBe(202);
    expect(await post([serverHalf, client])).toBe(202);

    const trace = await readTrace(gw, traceId);
    expect(trace).toMatchObject({ spanCount: 2, rootSpan: { spanId: id } });
    expect(trace!.services.map((s) => s.name).sort()).toEqual(['payments', 'shop']);
    const payments = trace!.spans.find((s) => s.service.name === 'payments')!;
    expect(payments).toMatchObject({ spanId: sharedServerSpanId(traceId, id), parentSpanId: id, durationUs: 700, kind: 'SERVER' });

    const res = await gw.gql<{ submitSpans: { accepted: number; duplicates: number } }>(
      'mutation($s: [SpanInput!]!) { submitSpans(spans: $s) { accepted duplicates } }',
      { s: [{ traceId, spanId: payments.spanId, service: 'payments', operation: 'x', startTime: payments.startTime, endTime: payments.endTime }] },
    );
    expect(res.data!.submitSpans).toEqual({ accepted: 0, duplicates: 1 });
  });

  it('reads a body without a Content-Type (or text/plain) as JSON, as Zipkin does', async () => {
    const traceId = 'aaf7183fb1d4cf5f0123456789abcdef';
    const ts = (Date.now() - 60_000) * 1000;
    const span = { traceId, id: '452bff9a74ca9ad2', name: 'get', timestamp: ts, duration: 1, localEndpoint: { serviceName: 'plain' } };
    const res = await fetch(`${gw.origin}/api/v2/spans`, { method: 'POST', body: JSON.stringify([span]) });
    expect(res.status).toBe(202);
    expect((await readTrace(gw, traceId))!.spanCount).toBe(1);
  });
});
