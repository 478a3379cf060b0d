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
import { randomUUID } from 'node:crypto';
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import { log } from '../../log';
import { requireScope, Scope } from '../../server/auth';
import type { GatewayExtension } from '../../server/extensions';
import type { GatewayServices } from '../../server/router';
import { failureOf } from '../../error-edge';
import { OtlpDecodeError } from '../otlp/model';
import { decodeProtobufTraceRequest } from '../otlp/proto-decode';
import { mapTraceRequest } from '../otlp/map';
import { encodeExportResponse } from '../otlp/response';
import { mergeRejections, summarizeRejections } from '../rejections';
import { grpcStatusOf } from './status';

export const OTLP_GRPC_EXTENSION = 'otlp-grpc';
export const TRACE_SERVICE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

export interface OtlpGrpcOptions {
  /** Port to listen on; 0 picks a free one (read it from `address()` once the gateway started). */
  port: number;
  host: string;
  /** Seconds a client is told to wait (RetryInfo) when the store is unavailable (default 1). */
  storeRetryAfterSeconds?: number;
}

export interface OtlpGrpcExtension extends GatewayExtension {
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
  return {
    name: OTLP_GRPC_EXTENSION,
    address: () => bound,
    async attach({ services }) {
      const server = new Server({
        'grpc.max_receive_message_length': services.config.limits.maxBodyBytes,
      });
      server.addService(TRACE_SERVICE, {
        Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
          void handleExport(call, callback, services, options);
        },
      });
      const target = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
      const port = await new Promise<number>((resolve, reject) => {
        server.bindAsync(target, ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p)));
      });
      bound = { host: options.host, port };
      logger.info('OTLP/gRPC listening', { host: options.host, port });
      return async () => {
        bound = undefined;
        await new Promise<void>((resolve) => {
          // In-flight exports finish; a client that holds its connection open does not delay shutdown past the grace.
          const timer = setTimeout(() => server.forceShutdown(), services.config.shutdownGraceMs).unref();
          server.tryShutdown(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      };
    },
  };
}

// Private: one Export call; every failure becomes a gRPC status, never an unhandled rejection.
async function handleExport(
  call: ServerUnaryCall<Buffer, Buffer>,
  callback: sendUnaryData<Buffer>,
  services: GatewayServices,
  options: OtlpGrpcOptions,
): Promise<void> {
  const requestId = randomUUID();
  try {
    const authorization = call.metadata.get('authorization');
    requireScope(services.security.authenticator.authenticate(authorization.length === 1 ? String(authorization[0]) : authorization.length === 0 ? undefined : authorization.map(String)), Scope.INGEST);
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
