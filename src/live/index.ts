// The live layer's public surface: sources, the hub, and the pieces the gateway composes (src/server/live-extension.ts).
// Knows no socket library (src/server/ws.ts is the graphql-ws wiring) and no collection (the store's
// `spanChanges()` feeds the change-stream source).
export type { LiveSpan, LiveStatus, LiveSink } from './types';
export type { LiveSource, LiveSourceKind, LiveSourceMode } from './source';
export { ChangeStreamSource, type ChangeStreamSourceOptions } from './change-stream-source';
export { LocalSource, type StoredSpansFeed } from './local-source';
export { openLiveSource, type LiveSourceCandidates } from './open-source';
export { LiveHub, LiveStream, type LiveBatch, type LiveHubOptions, type LiveHubStats, type LiveSourceOpener } from './hub';
export { LiveSpanFilter, type SpanFilterInput } from './span-filter';
export { SlowConsumerSignal } from './bounded-stream';
export { withExisting } from './with-existing';
export { SharedSubscriptions, type SharedSubscriptionsStats } from './shared-subscriptions';
export { WrittenStream, type ResultWriter } from './written-stream';
export { executionState } from './execution-state';
export { slowConsumerError } from './errors';
export { liveResolvers, type LiveResolverDeps, type TraceUpdateModel, type SpanBatchModel } from './resolvers';
