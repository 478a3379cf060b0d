/**
 * Deterministic e-commerce traffic: each call to `nextTrace()` yields one checkout call chain as
 * `SpanInput` objects, exactly what a service would send to `submitSpans`.
 *
 *   edge-gateway -> order -> inventory                      (sequential)
 *                         -> payment -> fraud-check, bank-adapter (sequential)
 *                         -> shipping || notification       (parallel)
 *
 * Failures carry meaningful results: a declined card (`402`, payment and order fail, the customer is notified)
 * and an inventory timeout (`504`, nothing after inventory runs). Spans are emitted in the order services would
 * report them (by end time, children before parents), so consumers see children before their parents.
 */
import type { AttributeInput, MetricInput, SpanEventInput, SpanInput, StatusCode } from '../generated/graphql';
import {
  CARRIERS, Calls, DECLINE_REASONS, HOP, INVENTORY_TIMEOUT_MS, PAYMENT_METHODS, REGIONS, ResultCode, TIERS,
  type CallProfile,
} from './catalog';
import { Prng } from './prng';
import { EpochMicros, toIsoMicros } from './time';

export type TraceOutcome = 'ok' | 'payment_declined' | 'inventory_timeout';

export interface DemoTrace {
  readonly traceId: string;
  readonly outcome: TraceOutcome;
  readonly spans: SpanInput[];
}

export interface TrafficOptions {
  /** Same seed, same traffic. */
  seed: number | string;
  /** Start of the first trace, epoch milliseconds. Default: 2026-11-26T10:00:00Z (fixed, for reproducibility). */
  startTimeMs?: number;
  /** Mean gap between consecutive trace starts when no start time is given to `nextTrace`. Default 50 ms. */
  meanGapMs?: number;
  /** Probability that the bank declines the card. Default 0.05. */
  paymentDeclineRate?: number;
  /** Probability that inventory times out. Default 0.02. */
  inventoryTimeoutRate?: number;
}

export const DEFAULT_START_MS = Date.UTC(2026, 10, 26, 10, 0, 0);

export class TrafficGenerator {
  private readonly rng: Prng;
  private readonly meanGapUs: number;
  private readonly declineRate: number;
  private readonly timeoutRate: number;
  private clockUs: EpochMicros;

  constructor(options: TrafficOptions) {
    this.rng = new Prng(options.seed);
    this.clockUs = Math.round((options.startTimeMs ?? DEFAULT_START_MS) * 1000);
    this.meanGapUs = (options.meanGapMs ?? 50) * 1000;
    this.declineRate = probability('paymentDeclineRate', options.paymentDeclineRate ?? 0.05);
    this.timeoutRate = probability('inventoryTimeoutRate', options.inventoryTimeoutRate ?? 0.02);
    if (!(this.meanGapUs >= 0)) throw new RangeError(`meanGapMs must be >= 0, but got: ${options.meanGapMs}`);
  }

  /** The next call chain; it starts at `startMs` when given, else one random gap after the previous one. */
  nextTrace(startMs?: number): DemoTrace {
    let start: EpochMicros;
    if (startMs === undefined) {
      this.clockUs += Math.round(-Math.log(1 - this.rng.next()) * this.meanGapUs);
      start = this.clockUs;
    } else {
      start = Math.round(startMs * 1000);
    }
    return new ChainBuilder(this.rng, start, this.declineRate, this.timeoutRate).build();
  }

  /** `count` traces, flattened to spans (the benchmark's usual input). */
  spans(count: number): SpanInput[] {
    const out: SpanInput[] = [];
    for (let i = 0; i < count; i++) out.push(...this.nextTrace().spans);
    return out;
  }
}

// Private: one span while its chain is being built; times in epoch microseconds.
interface Draft {
  readonly profile: CallProfile;
  readonly spanId: string;
  readonly parent: Draft | undefined;
  readonly start: EpochMicros;
  end: EpochMicros;
  status: StatusCode;
  result?: SpanInput['result'];
  attributes: AttributeInput[];
  metrics: MetricInput[];
  events: SpanEventInput[];
}

// Private: builds one chain; every child starts after its parent and ends before it, by construction.
class ChainBuilder {
  private readonly traceId: string;
  private readonly drafts: Draft[] = [];

  constructor(
    private readonly rng: Prng,
    private readonly start: EpochMicros,
    private readonly declineRate: number,
    private readonly timeoutRate: number,
  ) {
    this.traceId = rng.hex(16);
  }

  build(): DemoTrace {
    const rng = this.rng;
    const region = rng.pick(REGIONS);
    const tier = rng.weighted(TIERS);
    const items = rng.int(1, 6);
    const amountCents = items * rng.int(499, 12999);
    const orderId = `ord_${rng.hex(6)}`;
    const timesOut = rng.chance(this.timeoutRate);
    const declined = !timesOut && rng.chance(this.declineRate);

    const edge = this.open(Calls.edge, undefined, this.start, [
      ['http.method', 'POST'], ['http.route', '/checkout'], ['region', region], ['customer.tier', tier],
    ]);
    const order = this.open(Calls.order, edge, this.after(edge.start), [
      ['order.id', orderId], ['item.count', items], ['order.total_cents', amountCents], ['customer.tier', tier],
    ]);
    let t = this.work(order.start, order.profile);

    const inventory = this.open(Calls.inventory, order, this.after(t), [['item.count', items], ['region', region]]);
    let outcome: TraceOutcome = 'ok';
    if (timesOut) {
      outcome = 'inventory_timeout';
      this.finishTimedOut(inventory);
      t = inventory.end;
      this.close(order, this.work(t, order.profile), 'ERROR', ResultCode.GATEWAY_TIMEOUT, 'inventory reservation timed out', { orderId });
    } else {
      this.close(inventory, this.work(inventory.start, inventory.profile), 'OK', ResultCode.OK, undefined, { reserved: items });
      t = inventory.end;

      const payment = this.open(Calls.payment, order, this.after(t), [
        ['payment.method', rng.pick(PAYMENT_METHODS)], ['amount_cents', amountCents], ['customer.tier', tier],
      ]);
      const fraud = this.open(Calls.fraud, payment, this.after(this.work(payment.start, payment.profile, 0.3)), []);
      const risk = Math.round(rng.next() * (declined ? 60 : 35)) / 100;
      fraud.attributes.push({ key: 'risk.score', value: risk });
      this.close(fraud, this.work(fraud.start, fraud.profile), 'OK', ResultCode.OK, undefined, { risk });
      const bank = this.open(Calls.bank, payment, this.after(fraud.end), [['peer.service', 'acquirer-bank'], ['region', region]]);
      const bankEnd = this.work(bank.start, bank.profile);
      if (declined) {
        outcome = 'payment_declined';
        const reason = rng.pick(DECLINE_REASONS);
        bank.events.push({ time: toIsoMicros(bankEnd - 1), name: 'authorization.declined', attributes: [{ key: 'reason', value: reason }] });
        this.close(bank, bankEnd, 'ERROR', ResultCode.PAYMENT_DECLINED, 'card declined', { reason });
        this.close(payment, this.work(bank.end, payment.profile, 0.3), 'ERROR', ResultCode.PAYMENT_DECLINED, 'payment declined', { reason });
        t = payment.end;
        const notify = this.open(Calls.notifyDeclined, order, this.after(t), [['channel', 'email']]);
        this.close(notify, this.work(notify.start, notify.profile), 'OK', ResultCode.ACCEPTED, undefined, { template: 'payment-declined' });
        this.close(order, this.work(notify.end, order.profile, 0.5), 'ERROR', ResultCode.PAYMENT_DECLINED, 'payment declined', { orderId });
      } else {
        const authorizationId = `auth_${rng.hex(5)}`;
        this.close(bank, bankEnd, 'OK', ResultCode.OK, undefined, { authorizationId });
        this.close(payment, this.work(bank.end, payment.profile, 0.3), 'OK', ResultCode.OK, undefined, { authorizationId });
        t = payment.end;
        // Shipping and the confirmation e-mail run in parallel once the payment is authorised.
        const carrier = rng.pick(CARRIERS);
        const shipping = this.open(Calls.shipping, order, this.after(t), [['carrier', carrier], ['item.count', items], ['region', region]]);
        this.close(shipping, this.work(shipping.start, shipping.profile), 'OK', ResultCode.CREATED, undefined, {
          shipmentId: `shp_${rng.hex(5)}`, carrier, etaDays: rng.int(1, 5),
        });
        const notify = this.open(Calls.notifyConfirm, order, this.after(t), [['channel', rng.chance(0.8) ? 'email' : 'sms']]);
        this.close(notify, this.work(notify.start, notify.profile), 'OK', ResultCode.ACCEPTED, undefined, { template: 'order-confirmation' });
        this.close(order, this.work(Math.max(shipping.end, notify.end), order.profile, 0.5), 'OK', ResultCode.CREATED, undefined, { orderId });
      }
    }
    const edgeStatus = order.status;
    const edgeCode = order.result?.code ?? ResultCode.OK;
    edge.attributes.push({ key: 'http.status_code', value: Number(edgeCode) });
    this.close(edge, this.after(order.end), edgeStatus, edgeCode, order.result?.message ?? undefined, undefined);

    const spans = [...this.drafts]
      .sort((a, b) => a.end - b.end || (a.spanId < b.spanId ? -1 : 1))
      .map((d) => this.toInput(d));
    return { traceId: this.traceId, outcome, spans };
  }

  // Private: the inventory call is abandoned at the timeout; the service saw its queue back up.
  private finishTimedOut(inventory: Draft): void {
    const timeoutUs = INVENTORY_TIMEOUT_MS * 1000;
    inventory.events.push({
      time: toIsoMicros(inventory.start + timeoutUs),
      name: 'timeout',
      attributes: [{ key: 'timeout_ms', value: INVENTORY_TIMEOUT_MS }],
    });
    this.close(inventory, inventory.start + timeoutUs + this.rng.int(50, 400), 'ERROR', ResultCode.GATEWAY_TIMEOUT,
      `inventory did not answer within ${INVENTORY_TIMEOUT_MS} ms`, undefined);
  }

  private open(profile: CallProfile, parent: Draft | undefined, start: EpochMicros, attrs: [string, unknown][]): Draft {
    const draft: Draft = {
      profile, parent, start, end: start,
      spanId: this.rng.hex(8),
      status: 'UNSET',
      attributes: attrs.map(([key, value]) => ({ key, value })),
      metrics: [],
      events: [],
    };
    this.drafts.push(draft);
    return draft;
  }

  private close(d: Draft, end: EpochMicros, status: StatusCode, code: string, message: string | undefined, data: unknown): void {
    d.end = Math.max(end, d.start + 1);
    d.status = status;
    d.result = { status, code, ...(message === undefined ? {} : { message }), ...(data === undefined ? {} : { data }) };
    const durationMs = (d.end - d.start) / 1000;
    // The database share of the call's time, and how long the request sat in the service's queue first.
    const dbMs = d.profile.kind === 'CLIENT' ? 0 : round3(durationMs * (0.1 + 0.5 * this.rng.next()));
    const queueMs = round3(Math.min(durationMs - dbMs, this.rng.logNormal(d.profile.kind === 'CONSUMER' ? 6 : 0.3, 0.8)));
    d.metrics.push({ name: 'db.time', value: dbMs, unit: 'ms' }, { name: 'queue.wait', value: Math.max(0, queueMs), unit: 'ms' });
  }

  /** The instant a call's own work (a fraction of its profile's latency) is done, starting at `from`. */
  private work(from: EpochMicros, profile: CallProfile, share = 1): EpochMicros {
    return from + Math.max(1, Math.round(this.rng.logNormal(profile.medianMs * 1000 * share, profile.sigma)));
  }

  /** One network hop after `from`. */
  private after(from: EpochMicros): EpochMicros {
    return from + Math.max(1, Math.round(this.rng.logNormal(HOP.medianMs * 1000, HOP.sigma)));
  }

  private toInput(d: Draft): SpanInput {
    const span: SpanInput = {
      traceId: this.traceId,
      spanId: d.spanId,
      ...(d.parent ? { parentSpanId: d.parent.spanId } : {}),
      service: d.profile.service,
      operation: d.profile.operation,
      kind: d.profile.kind,
      startTime: toIsoMicros(d.start),
      endTime: toIsoMicros(d.end),
      status: d.status,
      ...(d.result ? { result: d.result } : {}),
      attributes: d.attributes,
      metrics: d.metrics,
      ...(d.events.length > 0 ? { events: d.events } : {}),
    };
    return span;
  }
}

function probability(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be a probability in [0, 1], but got: ${value}`);
  return value;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
