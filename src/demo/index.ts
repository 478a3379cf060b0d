export { TrafficGenerator, DEFAULT_START_MS, type DemoTrace, type TraceOutcome, type TrafficOptions } from './generator';
export { Calls, DEMO_SERVICES, INVENTORY_TIMEOUT_MS, ResultCode } from './catalog';
export { Prng } from './prng';
export { toIsoMicros, fromIsoMicros, nowMicros, type EpochMicros } from './time';
