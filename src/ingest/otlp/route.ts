/**
 * `POST /v1/traces`, OTLP/HTTP (OTLP specification, "OTLP/HTTP"): binary protobuf or JSON by Content-Type,
 * optionally gzip. The spans go through the same ingest path as `submitSpans`. Answers:
 * 200 + ExportTraceServiceResponse (with partialSuccess when spans were rejected; duplicates count as success,
 * being already stored); 400 undecodable; 401/403 token; 413 over the body cap after inflating;
 * 415 other content type or coding; 429/503 + Retry-After. Error bodies are a google.rpc.Status in the request's
 * encoding (JSON when the encoding is unknown), its message prefixed with the public Tracegate code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../errors';
import { log } from '../../log';
import { HttpBodyError, mediaTypeOf, readBody } from '../../http';
import { authorizeIngest, type IngestHttpRoute, type IngestRouteContext, type StandardIngestOptions } from '../http-edge';
import { mergeRejections, summarizeRejections } from '../rejections';
import { decodeJsonTraceRequest } from './json-decode';
import { mapTraceRequest, type MappedRequest } from './map';
import { decodeProtobufTraceRequest } from './proto-decode';
import { encodeExportResponse, encodeRpcStatus, OTLP_CONTENT_TYPE, RpcCode, type OtlpEncoding } from './response';

export const OTLP_TRACES_PATH = '/v1/traces';

const ENCODING_BY_MEDIA_TYPE: Record<string, OtlpEncoding> = {
  'application/x-protobuf': 'protobuf',
  'application/json': 'json',
};

/** google.rpc.Code for the Status body of each HTTP failure status. */
const RPC_CODE_BY_STATUS: Record<number, RpcCode> = {
  400: RpcCode.INVALID_ARGUMENT,
  401: RpcCode.UNAUTHENTICATED,
  403: RpcCode.PERMISSION_DENIED,
  413: RpcCode.INVALID_ARGUMENT,
  415: RpcCode.INVALID_ARGUMENT,
  429: RpcCode.UNAVAILABLE,
  503: RpcCode.UNAVAILABLE,
};

const logger = log.child('otlp');

export function otlpTracesRoute(options: StandardIngestOptions = {}): IngestHttpRoute {
  return {
    method: 'POST',
    path: OTLP_TRACES_PATH,
    storeRetryAfterSeconds: options.storeRetryAfterSeconds,
    handle: handleExport,
    // Failures are answered in the request's encoding too (JSON when it is unknown).
    sendFailure: (req, res, f) => sendStatus(res, encodingOf(req) ?? 'json', f.status, f.code, f.message, f.headers),
  };
}

function encodingOf(req: IncomingMessage): OtlpEncoding | undefined {
  return ENCODING_BY_MEDIA_TYPE[mediaTypeOf(req.headers['content-type'])];
}

// Private: one export request, answered in the encoding it came in.
async function handleExport(req: IncomingMessage, res: ServerResponse, ctx: IngestRouteContext): Promise<void> {
  authorizeIngest(req, ctx.services.security.authenticator);
  const encoding = encodingOf(req);
  if (!encoding) {
    // The body is not read (HttpBodyError): the connection is closed rather than an unbounded body drained.
    const got = JSON.stringify(req.headers['content-type'] ?? '');
    throw new HttpBodyError(415, ErrorCode.BAD_USER_INPUT, `unsupported Content-Type: expected application/x-protobuf or application/json, got ${got}`);
  }
  const mapped = await readExport(req, encoding, ctx.services.config.limits.maxBodyBytes);
  const result = mapped.inputs.length > 0 ? await ctx.services.ingest.submit(mapped.inputs, 'otlp') : undefined;
  const rejected = mergeRejections(mapped.rejected, mapped.positions, result);
  if (rejected.length > 0) logger.debug('export partially rejected', { requestId: ctx.requestId, rejected: rejected.length, total: mapped.total });
  const out = encodeExportResponse(encoding, { rejectedSpans: rejected.length, errorMessage: summarizeRejections(rejected, mapped.total) });
  res.writeHead(200, { 'content-type': OTLP_CONTENT_TYPE[encoding], 'content-length': out.length });
  res.end(out);
}

/**
 * The request's spans, mapped. A function of its own so that the body and its decoded request are garbage once
 * mapped: locals of `handleExport` (an async function) would be kept until its last `await` returned, i.e.
 * across the whole `submit`.
 */
async function readExport(req: IncomingMessage, encoding: OtlpEncoding, maxBytes: number): Promise<MappedRequest> {
  const body = await readBody(req, req.headers, maxBytes);
  return mapTraceRequest(encoding === 'protobuf' ? decodeProtobufTraceRequest(body) : decodeJsonTraceRequest(body));
}

function sendStatus(res: ServerResponse, encoding: OtlpEncoding, status: number, code: ErrorCode, message: string, headers: Record<string, string>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = encodeRpcStatus(encoding, RPC_CODE_BY_STATUS[status] ?? RpcCode.INTERNAL, `${code}: ${message}`);
  res.writeHead(status, { ...headers, 'content-type': OTLP_CONTENT_TYPE[encoding], 'content-length': body.length });
  res.end(body);
}
