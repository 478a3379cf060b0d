/**
 * The soak canary: writes spans to a running gateway at a steady rate for a while, then checks that every
 * acknowledged span can be read back by trace id, by search and was delivered through a live subscription, and
 * reports missing, late and duplicated spans, p99 latencies and the gateway's RSS over time (from /metrics).
 * A client of the public API only (GraphQL over HTTP and graphql-ws, `GET /metrics`).
 *
 * Each run writes under its own service name (`soak-<run id>`), so runs against a shared deployment do not see
 * each other's spans. Spans are grouped five to a trace; a batch refused with 429/503 is retried after its
 * Retry-After, and only what the gateway acknowledged counts.
 */
import { randomBytes } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface SoakOptions {
  /** The gateway's GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  durationMs: number;
  /** Spans per second. */
  rate: number;
  /** Spans per submitSpans request. */
  batch: number;
  /** A token with the ingest and read scopes, when the gateway has tokens. */
  token?: string;
  /** Where /metrics is (default: the gateway's origin); null: RSS is not sampled. */
  metricsUrl?: string | null;
  /** A span delivered live later than this after its acknowledgement counts as late. */
  lateMs?: number;
  /** How long to wait, after the last write, for live deliveries to arrive. */
  settleMs?: number;
  /** Progress lines (default: none). */
  progress?: (line: string) => void;
}

export interface SoakReport {
  service: string;
  acknowledged: number;
  /** Acknowledged spans not returned by `trace(id)`. */
  missingById: number;
  /** Acknowledged traces not found by `traces(filter: { service })`. */
  missingBySearch: number;
  /** Acknowledged spans never delivered by the subscription. */
  missingLive: number;
  lateLive: number;
  /** Spans delivered live more than once, or listed twice in a trace. */
  duplicated: number;
  refusedBatches: number;
  p99IngestMs: number;
  p99ReadMs: number;
  p99LiveMs: number;
  /** [seconds since start, RSS bytes] every ~10 s. */
  rss: [number, number][];
  /** True when nothing acknowledged is missing anywhere and nothing was duplicated. */
  ok: boolean;
}

const SUBMIT = 'mutation Soak($spans: [SpanInput!]!) { submitSpans(spans: $spans) { accepted duplicates rejected { index code message } } }';
const TRACE = 'query SoakTrace($id: ID!) { trace(id: $id) { spans { spanId } } }';
const SEARCH = 'query SoakSearch($service: String!, $after: String) { traces(filter: { service: $service }, first: 100, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }';
const LIVE = 'subscription SoakLive($service: String!) { spansReceived(filter: { service: $service }) { spans { traceId spanId } } }';
const SPANS_PER_TRACE = 5;

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const runId = randomBytes(4).toString('hex');
  const service = `soak-${runId}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
  const progress = options.progress ?? (() => undefined);
  const lateMs = options.lateMs ?? 5_000;
  const start = Date.now();

  const acked = new Map<string, number>(); // "traceId:spanId" -> ack time
  const traces = new Set<string>();
  const live = new Map<string, number>(); // first delivery time
  let duplicated = 0;
  let refusedBatches = 0;
  const ingestMs: number[] = [];
  const readMs: number[] = [];
  const rss: [number, number][] = [];

  const gql = async (query: string, variables: Record<string, unknown>): Promise<{ status: number; retryAfter: number; body: any }> => {
    const res = await fetch(options.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const text = await res.text();
    let body: any = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = { text };
    }
    return { status: res.status, retryAfter: Number(res.headers.get('retry-after') ?? '1') || 1, body };
  };

  // The subscription first, so every span written after it is expected live.
  const ws = createClient({
    url: options.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: options.token ? { authorization: `Bearer ${options.token}` } : {},
    onNonLazyError: () => undefined,
  });
  let liveError: unknown = null;
  let probing = true;
  const probesDone = (): boolean => !probing;
  const subscribed = subscribeLive(ws, service, (spans) => {
    const now = Date.now();
    for (const s of spans) {
      const key = `${s.traceId}:${s.spanId}`;
      if (live.has(key) && probesDone()) duplicated += 1;
      else live.set(key, now);
    }
  }, (error) => (liveError = error));
  await subscribed.ready;
  // The server registers the subscription after the connection is up: probe spans (not counted) until one is
  // delivered, so every counted span was written after the subscription was live.
  for (let i = 0; live.size === 0; i++) {
    if (i >= 100) throw new Error(`the subscription delivered none of ${i} probe spans for service ${service}: is the gateway's live source running?`);
    const probe = { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), service, operation: 'soak-probe', startTime: new Date(Date.now() - 1).toISOString(), endTime: new Date().toISOString() };
    const res = await gql(SUBMIT, { spans: [probe] });
    if (res.status !== 200) throw new Error(`submitSpans answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    for (let w = 0; w < 10 && live.size === 0; w++) await new Promise((r) => setTimeout(r, 50));
  }
  probing = false;
  live.clear();

  const metricsUrl = options.metricsUrl === undefined ? `${new URL(options.url).origin}/metrics` : options.metricsUrl;
  const sampleRss = async (): Promise<void> => {
    if (!metricsUrl) return;
    try {
      const text = await (await fetch(metricsUrl, { headers: options.token ? { authorization: `Bearer ${options.token}` } : {} })).text();
      const m = /^process_resident_memory_bytes (\S+)$/m.exec(text);
      if (m) rss.push([Math.round((Date.now() - start) / 1000), Number(m[1])]);
    } catch {
      // a missed sample is not a soak failure
    }
  };
  await sampleRss();
  const rssTimer = setInterval(() => void sampleRss(), 10_000);

  // Write phase: one batch every `batch / rate` seconds, each sent until acknowledged.
  const intervalMs = (1000 * options.batch) / options.rate;
  const inFlight = new Set<Promise<void>>();
  let traceId = '';
  let sent = 0;
  const writeUntil = start + options.durationMs;
  const sendBatch = async (spans: Record<string, unknown>[]): Promise<void> => {
    for (;;) {
      const t0 = Date.now();
      const res = await gql(SUBMIT, { spans }).catch(() => ({ status: 0, retryAfter: 1, body: null }));
      ingestMs.push(Date.now() - t0);
      const result = res.body?.data?.submitSpans;
      if (res.status === 200 && result) {
        const rejected = new Set<number>((result.rejected as { index: number }[]).map((r) => r.index));
        const now = Date.now();
        spans.forEach((s, i) => {
          if (rejected.has(i)) return;
          acked.set(`${s.traceId}:${s.spanId}`, now);
          traces.add(s.traceId as string);
        });
        return;
      }
      refusedBatches += 1;
      if (Date.now() > writeUntil + 60_000) return;
      await new Promise((r) => setTimeout(r, res.retryAfter * 1000));
    }
  };
  let nextAt = start;
  let lastReport = start;
  while (Date.now() < writeUntil) {
    const spans: Record<string, unknown>[] = [];
    for (let i = 0; i < options.batch; i++) {
      if (sent % SPANS_PER_TRACE === 0) traceId = randomBytes(16).toString('hex');
      const startUs = Date.now() * 1000 - 1_000;
      spans.push({
        traceId,
        spanId: randomBytes(8).toString('hex'),
        service,
        operation: `op-${sent % 7}`,
        startTime: new Date(Math.floor(startUs / 1000)).toISOString(),
        endTime: new Date(Math.floor(startUs / 1000) + 1).toISOString(),
      });
      sent += 1;
    }
    const p = sendBatch(spans).finally(() => inFlight.delete(p));
    inFlight.add(p);
    nextAt += intervalMs;
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      progress(`${Math.round((Date.now() - start) / 1000)} s: ${acked.size} acknowledged, ${live.size} live, ${refusedBatches} batches refused`);
    }
    const wait = nextAt - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(inFlight);

  // Let live deliveries settle, bounded.
  const settleUntil = Date.now() + (options.settleMs ?? 10_000);
  while (Date.now() < settleUntil && [...acked.keys()].some((k) => !live.has(k))) await new Promise((r) => setTimeout(r, 100));
  clearInterval(rssTimer);
  await sampleRss();

  // Read back by id, every trace.
  let missingById = 0;
  const byTrace = new Map<string, string[]>();
  for (const key of acked.keys()) {
    const [t, s] = key.split(':') as [string, string];
    const list = byTrace.get(t);
    if (list) list.push(s);
    else byTrace.set(t, [s]);
  }
  const ids = [...byTrace.keys()];
  for (let i = 0; i < ids.length; i += 8) {
    await Promise.all(
      ids.slice(i, i + 8).map(async (id) => {
        const t0 = Date.now();
        const res = await gql(TRACE, { id });
        readMs.push(Date.now() - t0);
        const got: string[] = (res.body?.data?.trace?.spans ?? []).map((s: { spanId: string }) => s.spanId);
        const gotSet = new Set(got);
        duplicated += got.length - gotSet.size;
        for (const s of byTrace.get(id)!) if (!gotSet.has(s)) missingById += 1;
      }),
    );
  }

  // Read back by search: every acknowledged trace listed under the run's service.
  const found = new Set<string>();
  let after: string | null = null;
  for (let page = 0; page < 100_000; page++) {
    const t0 = Date.now();
    const res = await gql(SEARCH, { service, after });
    readMs.push(Date.now() - t0);
    const conn = res.body?.data?.traces;
    if (!conn) break;
    for (const n of conn.nodes as { id: string }[]) found.add(n.id);
    if (!conn.pageInfo.hasNextPage) break;
    after = conn.pageInfo.endCursor;
  }
  const missingBySearch = [...traces].filter((t) => !found.has(t)).length;

  let missingLive = 0;
  let lateLive = 0;
  const liveMs: number[] = [];
  for (const [key, at] of acked) {
    const got = live.get(key);
    if (got === undefined) missingLive += 1;
    else {
      liveMs.push(Math.max(0, got - at));
      if (got - at > lateMs) lateLive += 1;
    }
  }
  subscribed.stop();
  await ws.dispose();
  if (liveError) progress(`the subscription ended with an error: ${JSON.stringify(liveError).slice(0, 300)}`);

  const report: SoakReport = {
    service,
    acknowledged: acked.size,
    missingById,
    missingBySearch,
    missingLive,
    lateLive,
    duplicated,
    refusedBatches,
    p99IngestMs: p99(ingestMs),
    p99ReadMs: p99(readMs),
    p99LiveMs: p99(liveMs),
    rss,
    ok: false,
  };
  report.ok = report.acknowledged > 0 && missingById === 0 && missingBySearch === 0 && missingLive === 0 && duplicated === 0;
  return report;
}

// Private: the subscription as a callback; `ready` resolves once the server acknowledged the connection.
function subscribeLive(
  client: Client,
  service: string,
  onSpans: (spans: { traceId: string; spanId: string }[]) => void,
  onError: (error: unknown) => void,
): { ready: Promise<void>; stop: () => void } {
  let stop = (): void => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    const off = client.on('connected', () => {
      off();
      resolve();
    });
    client.on('error', (error) => reject(error instanceof Error ? error : new Error('the WebSocket connection failed')));
    stop = client.subscribe<{ spansReceived: { spans: { traceId: string; spanId: string }[] } }>(
      { query: LIVE, variables: { service } },
      {
        next: (result) => {
          if (result.errors) onError(result.errors);
          if (result.data) onSpans(result.data.spansReceived.spans);
        },
        error: onError,
        complete: () => undefined,
      },
    );
  });
  return { ready, stop: () => stop() };
}

function p99(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]!;
}
