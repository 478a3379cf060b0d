/**
 * The submitter's retry policy and the feeder's accounting, against a scripted HTTP server on 127.0.0.1:0 that
 * answers as the gateway does (GraphQL JSON bodies, 429 / 503 with Retry-After). The real gateway is exercised
 * in feed.integration.test.ts.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanSubmitter, TrafficFeeder, TrafficGenerator, keepAliveAgent, postJson } from '../../src/demo';
import { eventually } from '../helpers/eventually';

type Script = (body: { variables: { spans: { spanId: string }[] } }, n: number) => { status: number; body: unknown; headers?: Record<string, string> };

interface Scripted {
  url: string;
  requests: { spans: { spanId: string }[] }[];
  close(): Promise<void>;
}

async function scriptedGateway(script: Script): Promise<Scripted> {
  const requests: Scripted['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      requests.push({ spans: body.variables.spans });
      const reply = script(body, requests.length);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    requests,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const ok = (n: number): { status: number; body: unknown } => ({ status: 200, body: { data: { submitSpans: { accepted: n, duplicates: 0, rejected: [] } } } });
const gqlError = (code: string): { status: number; body: unknown } => ({ status: 200, body: { data: null, errors: [{ message: `${code} happened`, extensions: { code } }] } });

describe('SpanSubmitter', () => {
  const agent = keepAliveAgent(4);
  afterAll(() => agent.destroy());
  const spans = new TrafficGenerator({ seed: 'client' }).nextTrace().spans;

  it('retries 429, 503 and retryable GraphQL codes, then reports the stored batch', async () => {
    const gw = await scriptedGateway((b, n) => {
      if (n === 1) return { status: 429, body: { code: 'RATE_LIMITED', message: 'slow down' }, headers: { 'retry-after': '0' } };
      if (n === 2) return gqlError('STORE_UNAVAILABLE');
      if (n === 3) return { status: 503, body: { code: 'STORE_UNAVAILABLE', message: 'store down' } };
      return ok(b.variables.spans.length);
    });
    try {
      const retries: string[] = [];
      const s = new SpanSubmitter({ url: gw.url, agent, baseDelayMs: 1, onRetry: (reason) => retries.push(reason) });
      const outcome = await s.submit(spans);
      expect(outcome).toEqual({ kind: 'stored', accepted: spans.length, duplicates: 0, rejected: [], attempts: 4 });
      expect(retries).toEqual(['RATE_LIMITED', 'STORE_UNAVAILABLE', 'STORE_UNAVAILABLE']);
      // Every attempt carried the whole batch.
      expect(gw.requests.map((r) => r.spans.length)).toEqual([spans.length, spans.length, spans.length, spans.length]);
    } finally {
      await gw.close();
    }
  });

  it('fails at once on an error that retrying cannot fix, with its code and message', async () => {
    const gw = await scriptedGateway(() => gqlError('BAD_USER_INPUT'));
    try {
      const outcome = await new SpanSubmitter({ url: gw.url, agent, baseDelayMs: 1 }).submit(spans);
      expect(outcome).toEqual({ kind: 'failed', code: 'BAD_USER_INPUT', message: 'BAD_USER_INPUT happened', retryable: false, attempts: 1 });
    } finally {
      await gw.close();
    }
  });

  it('gives up after maxAttempts and says the error was retryable', async () => {
    const gw = await scriptedGateway(() => gqlError('RATE_LIMITED'));
    try {
      const outcome = await new SpanSubmitter({ url: gw.url, agent, baseDelayMs: 1, maxAttempts: 3 }).submit(spans);
      expect(outcome).toMatchObject({ kind: 'failed', code: 'RATE_LIMITED', retryable: true, attempts: 3 });
      expect(gw.requests).toHaveLength(3);
    } finally {
      await gw.close();
    }
  });

  it('treats a refused connection as retryable', async () => {
    const gw = await scriptedGateway(() => ok(0));
    const url = gw.url;
    await gw.close();
    const outcome = await new SpanSubmitter({ url, agent, baseDelayMs: 1, maxAttempts: 2 }).submit(spans);
    expect(outcome).toMatchObject({ kind: 'failed', code: 'NETWORK', retryable: true, attempts: 2 });
  });

  it('rejects a non-http URL and a bad attempt count, naming what it got', async () => {
    expect(() => new SpanSubmitter({ url: 'http://x', agent, maxAttempts: 0 })).toThrow(/maxAttempts.*>= 1.*0/);
    await expect(postJson(new URL('https://example.test/graphql'), '{}', agent, 100)).rejects.toThrow(/http: URLs only.*https:/);
  });
});

describe('TrafficFeeder', () => {
  const agent = keepAliveAgent(4);
  afterAll(() => agent.destroy());

  it('sends every generated span exactly once, in batches no larger than asked, and counts retries', async () => {
    // The first attempt of every third batch is refused; its retry is accepted. (Refusing by request count
    // instead could refuse all six attempts of one batch when the other sender's requests fall in between.)
    const attempted = new Set<string>();
    const stored: string[] = [];
    const gw = await scriptedGateway((b) => {
      const batch = b.variables.spans[0]!.spanId;
      const first = !attempted.has(batch);
      attempted.add(batch);
      if (first && attempted.size % 3 === 0) return gqlError('RATE_LIMITED');
      stored.push(...b.variables.spans.map((s) => s.spanId));
      return ok(b.variables.spans.length);
    });
    try {
      const submitter = new SpanSubmitter({ url: gw.url, agent, baseDelayMs: 1, onRetry: () => feeder.countRetry() });
      const feeder: TrafficFeeder = new TrafficFeeder(submitter, {
        rate: 400, batch: 40, seed: 'feed', concurrency: 2, flushMs: 20,
        // Room for every span even when a loaded machine stalls the timer: this test is about exactly-once sends.
        maxQueuedSpans: 1_000_000,
      });
      feeder.start();
      await eventually(() => feeder.stats().traces >= 100, '100 traces fed');
      const stats = await feeder.stop();
      expect(new Set(stored).size).toBe(stored.length);
      expect(stored.length).toBe(stats.spansGenerated);
      expect(gw.requests.length).toBe(attempted.size + Math.floor(attempted.size / 3));
      expect(stats).toMatchObject({ accepted: stats.spansGenerated, failed: 0, dropped: 0, rejected: 0, inFlight: 0, queued: 0 });
      expect(stats.retries).toBeGreaterThan(0);
      expect(Math.max(...gw.requests.map((r) => r.spans.length))).toBeLessThanOrEqual(40);
    } finally {
      await gw.close();
    }
  });

  it('counts a batch that fails for good as failed spans, not as sent-and-stored', async () => {
    const gw = await scriptedGateway(() => gqlError('FORBIDDEN'));
    try {
      const failures: string[] = [];
      const feeder = new TrafficFeeder(new SpanSubmitter({ url: gw.url, agent }), {
        rate: 200, batch: 1000, seed: 'fail', flushMs: 10, onBatchFailed: (o) => failures.push(o.code),
      });
      feeder.start();
      await eventually(() => feeder.stats().traces >= 5, '5 traces fed');
      const stats = await feeder.stop();
      expect(stats.accepted).toBe(0);
      expect(stats.failed).toBe(stats.spansGenerated);
      expect(new Set(failures)).toEqual(new Set(['FORBIDDEN']));
    } finally {
      await gw.close();
    }
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new TrafficFeeder(new SpanSubmitter({ url: 'http://127.0.0.1:1/', agent }), { rate: 0, batch: 1, seed: 1 })).toThrow(/rate must be > 0.*0/);
  });
});

