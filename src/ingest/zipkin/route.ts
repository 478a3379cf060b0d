/**
 * `POST /api/v2/spans`, the Zipkin v2 collector endpoint (zipkin2-api.yaml): a JSON list of spans, optionally
 * gzip, under any Content-Type but Zipkin's binary ones (see UNSUPPORTED_MEDIA_TYPES). The spans go through the
 * same ingest path as `submitSpans`. Answers: 202 with no body when every span
 * was stored (or already stored); 400 when the body is not a span list, or when some spans were rejected, in
 * which case the body says how many were stored and why each other one was not (Zipkin has no partial-success
 * response, and a silent 202 would hide the loss); 401/403, 413, 415, 429/503 + Retry-After as elsewhere.
 * Error bodies have the gateway's JSON error shape: `{ errors: [{ message, extensions: { code, requestId, ... } }] }`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../errors';
import { HttpBodyError, mediaTypeOf, readBody, sendError } from '../../http';
import { authorizeIngest, type IngestHttpRoute, type IngestRouteContext, type StandardIngestOptions } from '../http-edge';
import { mergeRejections, summarizeRejections } from '../rejections';
import { decodeZipkinSpans } from './map';

export const ZIPKIN_SPANS_PATH = '/api/v2/spans';
export const ZIPKIN_MEDIA_TYPE = 'application/json';
/**
 * Zipkin's encodings other than JSON. Any other Content-Type (or none) is read as JSON, as Zipkin's own collector
 * does: zipkin-transport-http on its defaults posts JSON as `text/plain` (fetch's default for a string body).
 */
const UNSUPPORTED_MEDIA_TYPES = new Set(['application/x-protobuf', 'application/x-thrift']);

export function zipkinSpansRoute(options: StandardIngestOptions = {}): IngestHttpRoute {
  return {
    method: 'POST',
    path: ZIPKIN_SPANS_PATH,
    storeRetryAfterSeconds: options.storeRetryAfterSeconds,
    handle: handleSpans,
  };
}

// Private: one posted span list. Failures are thrown: the gateway answers them with its JSON error body.
async function handleSpans(req: IncomingMessage, res: ServerResponse, ctx: IngestRouteContext): Promise<void> {
  authorizeIngest(req, ctx.services.security.authenticator);
  if (UNSUPPORTED_MEDIA_TYPES.has(mediaTypeOf(req.headers['content-type']))) {
    // The body is not read (HttpBodyError): the connection is closed rather than an unbounded body drained.
    const got = JSON.stringify(req.headers['content-type'] ?? '');
    throw new HttpBodyError(415, ErrorCode.BAD_USER_INPUT, `unsupported Content-Type: expected ${ZIPKIN_MEDIA_TYPE} (Zipkin v2 JSON), got ${got}`);
  }
  const body = await readBody(req, req.headers, ctx.services.config.limits.maxBodyBytes);
  const mapped = decodeZipkinSpans(body);
  const result = mapped.inputs.length > 0 ? await ctx.services.ingest.submit(mapped.inputs, 'zipkin') : undefined;
  const rejected = mergeRejections(mapped.rejected, mapped.positions, result);
  if (rejected.length === 0) {
    res.writeHead(202, { 'content-length': 0 });
    res.end();
    return;
  }
  const accepted = result?.accepted ?? 0;
  const duplicates = result?.duplicates ?? 0;
  const stored = accepted + duplicates;
  const message = `${summarizeRejections(rejected, mapped.total)}. The other ${stored} span(s) are stored (${accepted} new, ${duplicates} already stored).`;
  sendError(res, 400, ErrorCode.BAD_USER_INPUT, message, ctx.requestId, {}, { accepted, duplicates, rejected });
}
