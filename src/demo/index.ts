export { TrafficGenerator, type DemoTrace, type TraceOutcome, type TrafficOptions } from './generator';
export { Calls, DEMO_SERVICES, INVENTORY_TIMEOUT_MS } from './catalog';
export { Prng } from './prng';
export { toIsoMicros, fromIsoMicros, type EpochMicros } from './time';
export { SpanSubmitter, submitSpansBody, SUBMIT_SPANS_MUTATION, type SubmitOutcome, type SubmitterOptions } from './client';
export { TrafficFeeder, type FeedOptions, type FeedStats } from './feeder';
export { keepAliveAgent, postJson, type HttpReply } from './http';
export { parseDemoArgs, DEMO_DEFAULTS, type DemoArgs } from './args';
export { progressLine } from './progress';
