import type { SpanInput } from '../../src/generated/graphql';
import { DEMO_SERVICES, INVENTORY_TIMEOUT_MS, TrafficGenerator, fromIsoMicros, toIsoMicros, type DemoTrace } from '../../src/demo';
import { DEFAULT_INGEST_LIMITS, validateSpans } from '../../src/domain';

const ISO_MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

function traces(seed: number | string, n: number, opts: Partial<ConstructorParameters<typeof TrafficGenerator>[0]> = {}): DemoTrace[] {
  const g = new TrafficGenerator({ seed, ...opts });
  return Array.from({ length: n }, () => g.nextTrace());
}

function byService(t: DemoTrace, service: string): SpanInput[] {
  return t.spans.filter((s) => s.service === service);
}

const us = (iso: string): number => fromIsoMicros(iso);

describe('TrafficGenerator determinism', () => {
  it('yields identical traffic for the same seed', () => {
    expect(traces(42, 300)).toEqual(traces(42, 300));
    expect(traces('shop', 50)).toEqual(traces('shop', 50));
  });

  it('yields different traffic for different seeds', () => {
    const a = traces(1, 20).map((t) => t.traceId);
    const b = traces(2, 20).map((t) => t.traceId);
    expect(a.filter((id) => b.includes(id))).toEqual([]);
  });

  it('rejects a rate that is not a probability, naming the value', () => {
    expect(() => new TrafficGenerator({ seed: 1, paymentDeclineRate: 1.5 })).toThrow(/paymentDeclineRate.*\[0, 1\].*1\.5/);
    expect(() => new TrafficGenerator({ seed: Number.NaN })).toThrow(/finite number.*NaN/);
  });
});

describe('TrafficGenerator chain shape', () => {
  const sample = traces(7, 800);

  it('produces SpanInput-shaped spans with lowercase hex ids and microsecond UTC times', () => {
    // Problems are collected rather than asserted one by one: 16k spans x 10 checks would be slow in jest.
    const problems: string[] = [];
    const check = (ok: boolean, what: string): void => {
      if (!ok && problems.length < 20) problems.push(what);
    };
    const traceIds = new Set<string>();
    for (const t of sample) {
      check(/^[0-9a-f]{32}$/.test(t.traceId), `traceId ${t.traceId}`);
      traceIds.add(t.traceId);
      check(new Set(t.spans.map((s) => s.spanId)).size === t.spans.length, `duplicate spanId in ${t.traceId}`);
      for (const s of t.spans) {
        const where = `${t.traceId}/${s.spanId}`;
        check(s.traceId === t.traceId, `${where} traceId`);
        check(/^[0-9a-f]{16}$/.test(s.spanId), `${where} spanId`);
        check(ISO_MICROS.test(s.startTime) && ISO_MICROS.test(s.endTime), `${where} times ${s.startTime} ${s.endTime}`);
        check(us(s.endTime) > us(s.startTime), `${where} ends before it starts`);
        check(DEMO_SERVICES.includes(s.service), `${where} service ${s.service}`);
        check(s.status === 'OK' || s.status === 'ERROR', `${where} status ${s.status}`);
        check(s.result?.status === s.status && /^\d{3}$/.test(s.result?.code ?? ''), `${where} result ${JSON.stringify(s.result)}`);
      }
    }
    expect(problems).toEqual([]);
    expect(traceIds.size).toBe(sample.length);
  });

  it('has exactly one root, valid parent links, and children inside their parent\'s time', () => {
    const problems: string[] = [];
    for (const t of sample) {
      const ids = new Map(t.spans.map((s) => [s.spanId, s]));
      const roots = t.spans.filter((s) => s.parentSpanId === undefined).map((r) => r.service);
      if (roots.join() !== 'edge-gateway') problems.push(`${t.traceId} roots ${roots.join()}`);
      for (const s of t.spans) {
        if (s.parentSpanId == null) continue;
        const parent = ids.get(s.parentSpanId);
        if (!parent) problems.push(`${t.traceId}/${s.spanId} dangling parent ${s.parentSpanId}`);
        else if (us(s.startTime) < us(parent.startTime) || us(s.endTime) > us(parent.endTime)) {
          problems.push(`${t.traceId}/${s.spanId} outside its parent's time`);
        }
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
  });

  it('reports children before their parents, as services would', () => {
    for (const t of sample.slice(0, 200)) {
      const position = new Map(t.spans.map((s, i) => [s.spanId, i]));
      for (const s of t.spans) {
        if (s.parentSpanId) expect(position.get(s.spanId)!).toBeLessThan(position.get(s.parentSpanId)!);
      }
    }
  });

  it('runs inventory before payment and payment before shipping, with shipping and notification in parallel', () => {
    const ok = sample.filter((t) => t.outcome === 'ok');
    expect(ok.length).toBeGreaterThan(700);
    let overlapping = 0;
    for (const t of ok) {
      const [inv] = byService(t, 'inventory');
      const [pay] = byService(t, 'payment');
      const [fraud] = byService(t, 'fraud-check');
      const [bank] = byService(t, 'bank-adapter');
      const [ship] = byService(t, 'shipping');
      const [note] = byService(t, 'notification');
      expect(us(pay.startTime)).toBeGreaterThanOrEqual(us(inv.endTime));
      expect(us(bank.startTime)).toBeGreaterThanOrEqual(us(fraud.endTime));
      expect(us(ship.startTime)).toBeGreaterThanOrEqual(us(pay.endTime));
      expect(us(note.startTime)).toBeGreaterThanOrEqual(us(pay.endTime));
      expect(ship.parentSpanId).toBe(note.parentSpanId);
      if (us(ship.startTime) < us(note.endTime) && us(note.startTime) < us(ship.endTime)) overlapping++;
    }
    // Parallel siblings overlap unless one finishes before the other's network hop ends; nearly always they do.
    expect(overlapping / ok.length).toBeGreaterThan(0.95);
  });

  it('carries the attributes and metrics the demo promises', () => {
    for (const t of sample.slice(0, 300)) {
      const [edge] = byService(t, 'edge-gateway');
      const keys = edge.attributes!.map((a) => a.key);
      expect(keys).toEqual(expect.arrayContaining(['region', 'customer.tier', 'http.status_code']));
      const [order] = byService(t, 'order');
      const itemCount = order.attributes!.find((a) => a.key === 'item.count')!.value as number;
      expect(itemCount).toBeGreaterThanOrEqual(1);
      for (const s of t.spans) {
        const metrics = new Map(s.metrics!.map((m) => [m.name, m]));
        const durationMs = (us(s.endTime) - us(s.startTime)) / 1000;
        expect(metrics.get('db.time')!.unit).toBe('ms');
        expect(metrics.get('db.time')!.value).toBeLessThanOrEqual(durationMs);
        expect(metrics.get('queue.wait')!.value).toBeGreaterThanOrEqual(0);
        expect(metrics.get('db.time')!.value + metrics.get('queue.wait')!.value).toBeLessThanOrEqual(durationMs + 0.001);
      }
    }
  });

  it('draws log-normal latencies around each call\'s median', () => {
    const bankMs = sample
      .flatMap((t) => byService(t, 'bank-adapter'))
      .map((s) => (us(s.endTime) - us(s.startTime)) / 1000)
      .sort((a, b) => a - b);
    const median = bankMs[Math.floor(bankMs.length / 2)];
    expect(median).toBeGreaterThan(105);
    expect(median).toBeLessThan(135);
    // Right-skewed: the mean sits above the median, as for a log-normal.
    const mean = bankMs.reduce((a, b) => a + b, 0) / bankMs.length;
    expect(mean).toBeGreaterThan(median);
  });
});

describe('TrafficGenerator failures', () => {
  const sample = traces(2026, 6000);
  const count = (o: DemoTrace['outcome']): number => sample.filter((t) => t.outcome === o).length;

  it('declines about 5% of payments and times out about 2% of inventory calls with the default rates', () => {
    // With a fixed seed these counts are fixed; the bounds say what "roughly" means (about 3 standard deviations).
    const timeouts = count('inventory_timeout') / sample.length;
    const declines = count('payment_declined') / (sample.length - count('inventory_timeout'));
    expect(timeouts).toBeGreaterThan(0.0145);
    expect(timeouts).toBeLessThan(0.0255);
    expect(declines).toBeGreaterThan(0.041);
    expect(declines).toBeLessThan(0.059);
  });

  it('reports a declined payment as 402 up the chain, and still notifies the customer', () => {
    for (const t of sample.filter((x) => x.outcome === 'payment_declined')) {
      const [bank] = byService(t, 'bank-adapter');
      expect(bank.status).toBe('ERROR');
      expect(bank.result).toMatchObject({ code: '402', message: 'card declined' });
      expect(bank.events?.[0]?.name).toBe('authorization.declined');
      for (const svc of ['payment', 'order', 'edge-gateway']) expect(byService(t, svc)[0].result?.code).toBe('402');
      expect(byService(t, 'shipping')).toEqual([]);
      expect(byService(t, 'notification')[0].operation).toBe('SendPaymentDeclined');
    }
  });

  it('reports an inventory timeout as 504 and calls nothing after inventory', () => {
    for (const t of sample.filter((x) => x.outcome === 'inventory_timeout')) {
      const [inv] = byService(t, 'inventory');
      expect(inv.status).toBe('ERROR');
      expect(inv.result?.code).toBe('504');
      expect(us(inv.endTime) - us(inv.startTime)).toBeGreaterThanOrEqual(INVENTORY_TIMEOUT_MS * 1000);
      expect(t.spans.map((s) => s.service).sort()).toEqual(['edge-gateway', 'inventory', 'order']);
      expect(byService(t, 'edge-gateway')[0].status).toBe('ERROR');
    }
  });

  it('honours configured rates', () => {
    expect(traces(3, 200, { paymentDeclineRate: 0, inventoryTimeoutRate: 0 }).every((t) => t.outcome === 'ok')).toBe(true);
    expect(traces(3, 50, { inventoryTimeoutRate: 1 }).every((t) => t.outcome === 'inventory_timeout')).toBe(true);
  });
});

describe('microsecond times', () => {
  it('formats and parses epoch microseconds without loss', () => {
    const t = Date.UTC(2026, 10, 26, 10, 0, 0) * 1000 + 37;
    expect(toIsoMicros(t)).toBe('2026-11-26T10:00:00.000037Z');
    expect(fromIsoMicros(toIsoMicros(t))).toBe(t);
    expect(() => toIsoMicros(1.5)).toThrow(/non-negative integer.*1\.5/);
  });

  it('starts at the given time when asked', () => {
    const g = new TrafficGenerator({ seed: 9 });
    const start = Date.UTC(2027, 0, 1);
    const root = g.nextTrace(start).spans.find((s) => !s.parentSpanId)!;
    expect(root.startTime).toBe('2027-01-01T00:00:00.000000Z');
  });
});

describe('the gateway\'s own validation', () => {
  it('accepts every generated span', () => {
    const g = new TrafficGenerator({ seed: 'valid' });
    const spans = g.spans(500);
    const now = fromIsoMicros(spans[spans.length - 1].endTime) + 60_000_000;
    const { valid, rejected } = validateSpans(spans, DEFAULT_INGEST_LIMITS, now);
    expect(rejected).toEqual([]);
    expect(valid).toHaveLength(spans.length);
  });
});
