export { TrafficGenerator, DEFAULT_START_MS, type DemoTrace, type TraceOutcome, type TrafficOptions } from './generator';
export { Calls, DEMO_SERVICES, INVENTORY_TIMEOUT_MS, ResultCode } from './catalog';
export { Prng } from './prng';
export { toIsoMicros, fromIsoMicros, nowMicros, type EpochMicros } from './time';
export { SpanSubmitter, submitSpansBody, SUBMIT_SPANS_MUTATION, RETRYABLE_ERROR_CODES, RETRYABLE_HTTP_STATUSES, type SubmitOutcome, type SubmitterOptions } from './client';
export { TrafficFeeder, type FeedOptions, type FeedStats } from './feeder';
export { keepAliveAgent, postJson, type HttpReply } from './http';
export { parseDemoArgs, DEMO_DEFAULTS, DEMO_USAGE, type DemoArgs } from './args';
export { progressLine } from './progress';
