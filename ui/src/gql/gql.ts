/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query SpanDetails($traceId: ID!, $spanId: ID!) {\n    span(traceId: $traceId, spanId: $spanId) {\n      spanId parentSpanId operation kind startTime endTime durationUs status\n      service { name }\n      result { status code message data }\n      metrics { name value unit }\n      attributes { key value }\n      events { time name attributes { key value } }\n      links { traceId spanId traceState attributes { key value } span { service { name } operation } }\n      redactedCount\n    }\n  }\n": typeof types.SpanDetailsDocument,
    "\n  subscription LiveSpans($filter: SpanFilter) {\n    spansReceived(filter: $filter) {\n      spans { traceId spanId parentSpanId service { name } operation startTime durationUs status }\n    }\n  }\n": typeof types.LiveSpansDocument,
    "\n  query ServiceNames { services { name operations } }\n": typeof types.ServiceNamesDocument,
    "\n  query ServiceMap($from: DateTime!, $to: DateTime!) {\n    serviceGraph(from: $from, to: $to) {\n      nodes { service { name } stats { calls errors errorRate ratePerSec p99Us } }\n      edges { source { name } target { name } stats { calls errors errorRate p99Us } }\n    }\n  }\n": typeof types.ServiceMapDocument,
    "\n  query SearchTraces($filter: TraceFilter, $orderBy: TraceOrder, $first: Int, $after: String) {\n    traces(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id startTime durationUs spanCount errorCount status\n          services { name }\n          rootSpan { service { name } operation }\n        }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.SearchTracesDocument,
    "\n  query ServiceStats($name: String!, $from: DateTime!, $to: DateTime!, $step: Int!) {\n    service(name: $name) {\n      name\n      stats(from: $from, to: $to, stepSeconds: $step) {\n        totals { calls errors errorRate ratePerSec p50Us p95Us p99Us }\n        series { start calls errors errorRate ratePerSec p50Us p95Us p99Us }\n        operations { operation totals { calls errors errorRate ratePerSec p50Us p95Us p99Us } }\n      }\n    }\n  }\n": typeof types.ServiceStatsDocument,
    "\n  subscription LiveServiceStats($name: String!, $step: Int!) {\n    serviceStats(service: $name, stepSeconds: $step) { start calls errors errorRate ratePerSec p50Us p95Us p99Us }\n  }\n": typeof types.LiveServiceStatsDocument,
    "\n  subscription TraceLive($traceId: ID!) {\n    traceUpdated(traceId: $traceId, includeExisting: true) {\n      trace { id startTime endTime durationUs spanCount errorCount status services { name } }\n      spans { spanId parentSpanId service { name } operation kind startTime durationUs status }\n    }\n  }\n": typeof types.TraceLiveDocument,
    "\n  query CriticalPath($id: ID!) {\n    trace(id: $id) { criticalPath { span { spanId } startTime endTime } }\n  }\n": typeof types.CriticalPathDocument,
};
const documents: Documents = {
    "\n  query SpanDetails($traceId: ID!, $spanId: ID!) {\n    span(traceId: $traceId, spanId: $spanId) {\n      spanId parentSpanId operation kind startTime endTime durationUs status\n      service { name }\n      result { status code message data }\n      metrics { name value unit }\n      attributes { key value }\n      events { time name attributes { key value } }\n      links { traceId spanId traceState attributes { key value } span { service { name } operation } }\n      redactedCount\n    }\n  }\n": types.SpanDetailsDocument,
    "\n  subscription LiveSpans($filter: SpanFilter) {\n    spansReceived(filter: $filter) {\n      spans { traceId spanId parentSpanId service { name } operation startTime durationUs status }\n    }\n  }\n": types.LiveSpansDocument,
    "\n  query ServiceNames { services { name operations } }\n": types.ServiceNamesDocument,
    "\n  query ServiceMap($from: DateTime!, $to: DateTime!) {\n    serviceGraph(from: $from, to: $to) {\n      nodes { service { name } stats { calls errors errorRate ratePerSec p99Us } }\n      edges { source { name } target { name } stats { calls errors errorRate p99Us } }\n    }\n  }\n": types.ServiceMapDocument,
    "\n  query SearchTraces($filter: TraceFilter, $orderBy: TraceOrder, $first: Int, $after: String) {\n    traces(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id startTime durationUs spanCount errorCount status\n          services { name }\n          rootSpan { service { name } operation }\n        }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.SearchTracesDocument,
    "\n  query ServiceStats($name: String!, $from: DateTime!, $to: DateTime!, $step: Int!) {\n    service(name: $name) {\n      name\n      stats(from: $from, to: $to, stepSeconds: $step) {\n        totals { calls errors errorRate ratePerSec p50Us p95Us p99Us }\n        series { start calls errors errorRate ratePerSec p50Us p95Us p99Us }\n        operations { operation totals { calls errors errorRate ratePerSec p50Us p95Us p99Us } }\n      }\n    }\n  }\n": types.ServiceStatsDocument,
    "\n  subscription LiveServiceStats($name: String!, $step: Int!) {\n    serviceStats(service: $name, stepSeconds: $step) { start calls errors errorRate ratePerSec p50Us p95Us p99Us }\n  }\n": types.LiveServiceStatsDocument,
    "\n  subscription TraceLive($traceId: ID!) {\n    traceUpdated(traceId: $traceId, includeExisting: true) {\n      trace { id startTime endTime durationUs spanCount errorCount status services { name } }\n      spans { spanId parentSpanId service { name } operation kind startTime durationUs status }\n    }\n  }\n": types.TraceLiveDocument,
    "\n  query CriticalPath($id: ID!) {\n    trace(id: $id) { criticalPath { span { spanId } startTime endTime } }\n  }\n": types.CriticalPathDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SpanDetails($traceId: ID!, $spanId: ID!) {\n    span(traceId: $traceId, spanId: $spanId) {\n      spanId parentSpanId operation kind startTime endTime durationUs status\n      service { name }\n      result { status code message data }\n      metrics { name value unit }\n      attributes { key value }\n      events { time name attributes { key value } }\n      links { traceId spanId traceState attributes { key value } span { service { name } operation } }\n      redactedCount\n    }\n  }\n"): (typeof documents)["\n  query SpanDetails($traceId: ID!, $spanId: ID!) {\n    span(traceId: $traceId, spanId: $spanId) {\n      spanId parentSpanId operation kind startTime endTime durationUs status\n      service { name }\n      result { status code message data }\n      metrics { name value unit }\n      attributes { key value }\n      events { time name attributes { key value } }\n      links { traceId spanId traceState attributes { key value } span { service { name } operation } }\n      redactedCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveSpans($filter: SpanFilter) {\n    spansReceived(filter: $filter) {\n      spans { traceId spanId parentSpanId service { name } operation startTime durationUs status }\n    }\n  }\n"): (typeof documents)["\n  subscription LiveSpans($filter: SpanFilter) {\n    spansReceived(filter: $filter) {\n      spans { traceId spanId parentSpanId service { name } operation startTime durationUs status }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ServiceNames { services { name operations } }\n"): (typeof documents)["\n  query ServiceNames { services { name operations } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ServiceMap($from: DateTime!, $to: DateTime!) {\n    serviceGraph(from: $from, to: $to) {\n      nodes { service { name } stats { calls errors errorRate ratePerSec p99Us } }\n      edges { source { name } target { name } stats { calls errors errorRate p99Us } }\n    }\n  }\n"): (typeof documents)["\n  query ServiceMap($from: DateTime!, $to: DateTime!) {\n    serviceGraph(from: $from, to: $to) {\n      nodes { service { name } stats { calls errors errorRate ratePerSec p99Us } }\n      edges { source { name } target { name } stats { calls errors errorRate p99Us } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SearchTraces($filter: TraceFilter, $orderBy: TraceOrder, $first: Int, $after: String) {\n    traces(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id startTime durationUs spanCount errorCount status\n          services { name }\n          rootSpan { service { name } operation }\n        }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query SearchTraces($filter: TraceFilter, $orderBy: TraceOrder, $first: Int, $after: String) {\n    traces(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id startTime durationUs spanCount errorCount status\n          services { name }\n          rootSpan { service { name } operation }\n        }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ServiceStats($name: String!, $from: DateTime!, $to: DateTime!, $step: Int!) {\n    service(name: $name) {\n      name\n      stats(from: $from, to: $to, stepSeconds: $step) {\n        totals { calls errors errorRate ratePerSec p50Us p95Us p99Us }\n        series { start calls errors errorRate ratePerSec p50Us p95Us p99Us }\n        operations { operation totals { calls errors errorRate ratePerSec p50Us p95Us p99Us } }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ServiceStats($name: String!, $from: DateTime!, $to: DateTime!, $step: Int!) {\n    service(name: $name) {\n      name\n      stats(from: $from, to: $to, stepSeconds: $step) {\n        totals { calls errors errorRate ratePerSec p50Us p95Us p99Us }\n        series { start calls errors errorRate ratePerSec p50Us p95Us p99Us }\n        operations { operation totals { calls errors errorRate ratePerSec p50Us p95Us p99Us } }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveServiceStats($name: String!, $step: Int!) {\n    serviceStats(service: $name, stepSeconds: $step) { start calls errors errorRate ratePerSec p50Us p95Us p99Us }\n  }\n"): (typeof documents)["\n  subscription LiveServiceStats($name: String!, $step: Int!) {\n    serviceStats(service: $name, stepSeconds: $step) { start calls errors errorRate ratePerSec p50Us p95Us p99Us }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TraceLive($traceId: ID!) {\n    traceUpdated(traceId: $traceId, includeExisting: true) {\n      trace { id startTime endTime durationUs spanCount errorCount status services { name } }\n      spans { spanId parentSpanId service { name } operation kind startTime durationUs status }\n    }\n  }\n"): (typeof documents)["\n  subscription TraceLive($traceId: ID!) {\n    traceUpdated(traceId: $traceId, includeExisting: true) {\n      trace { id startTime endTime durationUs spanCount errorCount status services { name } }\n      spans { spanId parentSpanId service { name } operation kind startTime durationUs status }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CriticalPath($id: ID!) {\n    trace(id: $id) { criticalPath { span { spanId } startTime endTime } }\n  }\n"): (typeof documents)["\n  query CriticalPath($id: ID!) {\n    trace(id: $id) { criticalPath { span { spanId } startTime endTime } }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;