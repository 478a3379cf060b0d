/**
 * The demo shop: which services exist, what each call is called, and how long its own work takes.
 * Latencies are log-normal (median in milliseconds, sigma of the logarithm), the usual shape of service latency.
 */
import type { SpanKind } from '../generated/graphql';

export interface CallProfile {
  readonly service: string;
  readonly operation: string;
  readonly kind: SpanKind;
  /** Median of the call's own work, in milliseconds. */
  readonly medianMs: number;
  readonly sigma: number;
}

export const Calls = {
  edge: { service: 'edge-gateway', operation: 'POST /checkout', kind: 'SERVER', medianMs: 1.2, sigma: 0.4 },
  order: { service: 'order', operation: 'PlaceOrder', kind: 'SERVER', medianMs: 4, sigma: 0.5 },
  inventory: { service: 'inventory', operation: 'ReserveItems', kind: 'SERVER', medianMs: 12, sigma: 0.5 },
  payment: { service: 'payment', operation: 'AuthorizePayment', kind: 'SERVER', medianMs: 3, sigma: 0.4 },
  fraud: { service: 'fraud-check', operation: 'ScoreTransaction', kind: 'SERVER', medianMs: 20, sigma: 0.6 },
  bank: { service: 'bank-adapter', operation: 'Authorize', kind: 'CLIENT', medianMs: 120, sigma: 0.45 },
  shipping: { service: 'shipping', operation: 'CreateShipment', kind: 'SERVER', medianMs: 35, sigma: 0.5 },
  notifyConfirm: { service: 'notification', operation: 'SendOrderConfirmation', kind: 'CONSUMER', medianMs: 15, sigma: 0.5 },
  notifyDeclined: { service: 'notification', operation: 'SendPaymentDeclined', kind: 'CONSUMER', medianMs: 15, sigma: 0.5 },
} as const satisfies Record<string, CallProfile>;

/** Every service name the demo produces, in call order. */
export const DEMO_SERVICES: readonly string[] = [...new Set(Object.values(Calls).map((c) => c.service))];

/** Outcome codes carried in `result.code`, HTTP-style as the services would report them. */
export const ResultCode = {
  OK: '200',
  CREATED: '201',
  ACCEPTED: '202',
  PAYMENT_DECLINED: '402',
  GATEWAY_TIMEOUT: '504',
} as const;

/** Network hop between two services: median 0.4 ms. */
export const HOP = { medianMs: 0.4, sigma: 0.5 } as const;

/** Inventory calls are cut off by the order service after this long. */
export const INVENTORY_TIMEOUT_MS = 800;

export const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'] as const;
export const TIERS: readonly (readonly [string, number])[] = [['standard', 0.7], ['silver', 0.2], ['gold', 0.1]];
export const PAYMENT_METHODS = ['card', 'paypal', 'apple-pay'] as const;
export const CARRIERS = ['dhl', 'ups', 'postnl'] as const;
export const DECLINE_REASONS = ['insufficient_funds', 'do_not_honor', 'expired_card'] as const;
