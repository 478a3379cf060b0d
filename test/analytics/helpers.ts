/** Generated shop traffic with a heavy latency tail, its exact figures, and gateways with analytics on. */
import { randomBytes } from 'node:crypto';
import { analyticsExtension, type AnalyticsExtension } from '../../src/server';
import { liveExtension, type LiveExtension } from '../../src/server';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import type { TestMongo } from '../helpers/mongo';
import { prng } from '../helpers/prng';

export interface GenSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  operation: string;
  kind: 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER' | 'INTERNAL';
  startTime: string;
  endTime: string;
  status: 'OK' | 'ERROR';
  /** Not sent: the test's own bookkeeping. */
  startUs: number;
  durationUs: number;
}

export const SUBMIT = `mutation($spans: [SpanInput!]!) { submitSpans(spans: $spans) { accepted duplicates rejected { index code message } } }`;

export { prng };

export function isoUs(us: number): string {
  const ms = Math.floor(us / 1000);
  return new Date(ms).toISOString().replace('Z', `${String(us % 1000).padStart(3, '0')}Z`);
}

function hex(rnd: () => number, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i += 1) out += Math.floor(rnd() * 256).toString(16).padStart(2, '0');
  return out;
}

/**
 * `traces` shop call chains starting within [baseMs, baseMs + spreadMs): frontend -> checkout -> inventory,
 * checkout -> payment -> bank, checkout -PRODUCER-> mailer CONSUMER, plus same-service internal children. Durations
 * are Pareto-tailed (a few hundred µs typical, tens of ms in the tail); about 5% of spans are errors.
 */
export function shopTraffic(traces: number, seed: number, baseMs: number, spreadMs: number): GenSpan[] {
  const rnd = prng(seed);
  const tail = (scaleUs: number): number => Math.max(1, Math.round(scaleUs / Math.pow(1 - rnd(), 1 / 1.3)));
  const out: GenSpan[] = [];
  for (let t = 0; t < traces; t += 1) {
    const traceId = hex(rnd, 16);
    const make = (parent: GenSpan | null, service: string, operation: string, kind: GenSpan['kind'], startUs: number, durationUs: number): GenSpan => {
      const span: GenSpan = {
        traceId,
        spanId: hex(rnd, 8),
        parentSpanId: parent?.spanId ?? null,
        service,
        operation,
        kind,
        startUs,
        durationUs,
        startTime: isoUs(startUs),
        endTime: isoUs(startUs + durationUs),
        status: rnd() < 0.05 ? 'ERROR' : 'OK',
      };
      out.push(span);
      return span;
    };
    const start = (baseMs + Math.floor(rnd() * spreadMs)) * 1000;
    const front = make(null, 'frontend', 'GET /checkout', 'SERVER', start, 0);
    const checkout = make(front, 'checkout', 'POST /orders', 'SERVER', start + 50, 0);
    const validate = make(checkout, 'checkout', 'validate', 'INTERNAL', start + 60, tail(40));
    let cursor = validate.startUs + validate.durationUs;
    const inventory = make(checkout, 'inventory', rnd() < 0.5 ? 'reserve' : 'check', 'SERVER', cursor + 5, tail(200));
    cursor = inventory.startUs + inventory.durationUs;
    const payment = make(checkout, 'payment', 'charge', 'SERVER', cursor + 5, tail(300));
    const bank = make(payment, 'bank', 'authorize', 'CLIENT', payment.startUs + 10, Math.max(1, payment.durationUs - 20));
    void bank;
    cursor = payment.startUs + payment.durationUs;
    if (rnd() < 0.5) {
      const produce = make(checkout, 'checkout', 'publish order', 'PRODUCER', cursor + 5, tail(20));
      make(produce, 'mailer', 'send confirmation', 'CONSUMER', cursor + 100, tail(500));
    }
    // Parents cover their children (set once the children exist).
    checkout.durationUs = cursor + 30 - checkout.startUs;
    checkout.endTime = isoUs(checkout.startUs + checkout.durationUs);
    front.durationUs = checkout.startUs + checkout.durationUs + 40 - front.startUs;
    front.endTime = isoUs(front.startUs + front.durationUs);
  }
  return out;
}

export interface Exact {
  calls: number;
  errors: number;
  durations: number[];
}

function group(spans: readonly { status: string; durationUs: number }[]): Exact {
  return { calls: spans.length, errors: spans.filter((s) => s.status === 'ERROR').length, durations: spans.map((s) => s.durationUs).sort((a, b) => a - b) };
}

/** Exact figures per service, per (service, operation) and per edge ("source->target"). */
export function exactFigures(spans: readonly GenSpan[]) {
  const by = <K extends string>(key: (s: GenSpan) => K | null) => {
    const map = new Map<string, GenSpan[]>();
    for (const s of spans) {
      const k = key(s);
      if (k === null) continue;
      map.set(k, [...(map.get(k) ?? []), s]);
    }
    return new Map([...map].map(([k, list]) => [k, group(list)]));
  };
  const byId = new Map(spans.map((s) => [s.traceId + s.spanId, s]));
  return {
    services: by((s) => s.service),
    operations: by((s) => `${s.service}/${s.operation}`),
    edges: by((s) => {
      const parent = s.parentSpanId === null ? undefined : byId.get(s.traceId + s.parentSpanId);
      return parent && parent.service !== s.service ? `${parent.service}->${s.service}` : null;
    }),
  };
}

/** The exact q-quantile as DDSketch ranks it: the value at rank floor(q * (n - 1)). */
export function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

export function wire(spans: readonly GenSpan[]): Omit<GenSpan, 'startUs' | 'durationUs'>[] {
  return spans.map(({ startUs: _s, durationUs: _d, ...rest }) => rest);
}

export interface AnalyticsGateway extends TestGateway {
  analytics: AnalyticsExtension;
  live: LiveExtension;
  submit(spans: readonly GenSpan[]): Promise<{ accepted: number; duplicates: number }>;
}

export async function startAnalyticsGateway(mongo?: TestMongo, options: { statsIntervalMs?: number } = {}): Promise<AnalyticsGateway> {
  const live = liveExtension();
  const analytics = analyticsExtension({ live, statsIntervalMs: options.statsIntervalMs });
  const gw = await startTestGateway({ extensions: [live, analytics], ...(mongo ? { mongo } : {}) });
  const submit = async (spans: readonly GenSpan[]) => {
    const res = await gw.gql<{ submitSpans: { accepted: number; duplicates: number; rejected: unknown[] } }>(SUBMIT, { spans: wire(spans) });
    if (!res.data?.submitSpans || res.data.submitSpans.rejected.length > 0) throw new Error(`submitSpans failed: ${res.status} ${res.text.slice(0, 500)}`);
    return res.data.submitSpans;
  };
  return Object.assign(gw, { analytics, live, submit });
}

/** Another database on the same store server. */
export function otherDb(mongo: TestMongo): TestMongo {
  return { ...mongo, dbName: `tg_test_${randomBytes(4).toString('hex')}`, stop: async () => {} };
}

export function shuffle<T>(items: readonly T[], rnd: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
