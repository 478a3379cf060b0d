/**
 * OTLP/gRPC trace ingest (OTLP specification, "OTLP/gRPC"): the unary method
 * `opentelemetry.proto.collector.trace.v1.TraceService/Export` on its own port (4317 by convention), served by
 * @grpc/grpc-js. Messages stay raw bytes at the gRPC layer and are decoded by the same protobuf decoder as
 * OTLP/HTTP (../otlp/proto-decode.ts); the spans go through the one ingest path (`services.ingest.submit`).
 *
 * - compression: grpc-js inflates gzip / deflate messages; the message cap (`TRACEGATE_MAX_BODY_BYTES`) applies
 *   after inflating, and a larger message is RESOURCE_EXHAUSTED before anything is decoded;
 * - tokens: `authorization: Bearer <token>` metadata with the `ingest` scope, as on the HTTP routes;
 * - answers: `ExportTraceServiceResponse` with `partial_success` when spans were rejected (duplicates count as
 *   stored); failures as in ./status.ts.
 */
import { Metadata, Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import { newRequestId } from '../../http';
import { log } from '../../log';
import { requireScope, Scope } from '../../auth';
import type { IngestRouteServices } from '../http-edge';
import { failureOf } from '../../error-edge';
import { decodeProtobufTraceRequest, encodeExportResponse, mapTraceRequest, OtlpDecodeError } from '../otlp';
import { mergeRejections, summarizeRejections } from '../rejections';
import { grpcStatusOf } from './status';

export const OTLP_GRPC_EXTENSION = 'otlp-grpc';
export const TRACE_SERVICE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const REQUEST_ID_KEY = 'x-request-id';

export interface OtlpGrpcOptions {
  /** Port to listen on; 0 picks a free one (read it from `address()` once the gateway started). */
  port: number;
  host: string;
  /** Seconds a client is told to wait (RetryInfo) when the store is unavailable (default 1). */
  storeRetryAfterSeconds?: number;
}

/** A gateway feature (the shape of a GatewayExtension, src/server/extensions.ts): the listener starts on attach. */
export interface OtlpGrpcExtension {
  readonly name: string;
  attach(ctx: { services: IngestRouteServices }): Promise<() => Promise<void>>;
  /** Shutdown began: stop taking new calls (in-flight ones finish). */
  drain(): void;
  /** The bound address once the gateway started (undefined before, and after stop). */
  address(): { host: string; port: number } | undefined;
}

const identity = (b: Buffer): Buffer => b;

/** TraceService with raw-bytes (de)serializers: decoding is ours, so grpc-js never parses a message. */
const TRACE_SERVICE: ServiceDefinition = {
  Export: {
    path: TRACE_SERVICE_EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName: 'export',
  },
};

const logger = log.child('otlp-grpc');

export function otlpGrpcExtension(options: OtlpGrpcOptions): OtlpGrpcExtension {
  let bound: { host: string; port: number } | undefined;
  let server: Server | undefined;
  let shutdown: Promise<void> | undefined;
  // Stop taking calls; calls in flight finish (the gateway gives them its shutdown grace).
  const beginShutdown = (s: Server): Promise<void> => (shutdown ??= new Promise<void>((resolve) => s.tryShutdown(() => resolve())));
  return {
    name: OTLP_GRPC_EXTENSION,
    address: () => bound,
    drain() {
      if (server) void beginShutdown(server);
    },
    async attach({ services }) {
      const grpc = new Server({
        'grpc.max_receive_message_length': services.config.limits.maxBodyBytes,
      });
      server = grpc;
      grpc.addService(TRACE_SERVICE, {
        Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
          void handleExport(call, callback, services, options);
        },
      });
      const target = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
      const port = await new Promise<number>((resolve, reject) => {
        grpc.bindAsync(target, ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p)));
      });
      bound = { host: options.host, port };
      logger.info('OTLP/gRPC listening', { host: options.host, port });
      return async () => {
        bound = undefined;
        // Runs after the gateway's grace for in-flight requests (drain began the shutdown at its start): whatever
        // is still open now is cut, so the whole stop fits in TRACEGATE_SHUTDOWN_GRACE.
        const finished = await Promise.race([beginShutdown(grpc).then(() => true), new Promise<boolean>((resolve) => setImmediate(() => resolve(false)))]);
        if (!finished) grpc.forceShutdown();
      };
    },
  };
}

// Private: one Export call (its log lines name its request id); every failure becomes a gRPC status, never an
// unhandled rejection. The request id goes back as `x-request-id` response metadata, as on every HTTP response.
async function handleExport(
  call: ServerUnaryCall<Buffer, Buffer>,
  callback: sendUnaryData<Buffer>,
  services: IngestRouteServices,
  options: OtlpGrpcOptions,
): Promise<void> {
  const requestId = requestIdOf(call.metadata);
  const head = new Metadata();
  head.set(REQUEST_ID_KEY, requestId);
  call.sendMetadata(head);
  try {
    requireScope(services.security.authenticator.authenticate(authorizationOf(call.metadata)), Scope.INGEST);
    const mapped = mapTraceRequest(decodeProtobufTraceRequest(call.request));
    const result = mapped.inputs.length > 0 ? await services.ingest.submit(mapped.inputs, 'otlp-grpc') : undefined;
    const rejected = mergeRejections(mapped.rejected, mapped.positions, result);
    if (rejected.length > 0) logger.debug('export partially rejected', { requestId, rejected: rejected.length, total: mapped.total });
    callback(null, encodeExportResponse('protobuf', { rejectedSpans: rejected.length, errorMessage: summarizeRejections(rejected, mapped.total) }));
  } catch (error) {
    const failure = failureOf(error, { requestId, logger, decodeErrors: [OtlpDecodeError], storeRetryAfterSeconds: options.storeRetryAfterSeconds });
    callback(grpcStatusOf(failure), null);
  }
}

/** A client-sent `x-request-id` is kept when it is short and plain (as on HTTP); otherwise a fresh id. */
function requestIdOf(metadata: Metadata): string {
  const sent = metadata.get(REQUEST_ID_KEY);
  return sent.length === 1 && typeof sent[0] === 'string' && /^[\w.-]{1,64}$/.test(sent[0]) ? sent[0] : newRequestId();
}

/** The one `authorization` value, as the authenticator reads an HTTP header (a repeated one is no credential). */
function authorizationOf(metadata: Metadata): string | string[] | undefined {
  const values = metadata.get('authorization').map(String);
  return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
}
