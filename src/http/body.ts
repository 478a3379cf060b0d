/**
 * Reads a request body with a byte cap that holds after decompression. A gzip body is inflated as it streams
 * in, and the inflater is destroyed the moment its output passes the cap, so a gzip bomb costs at most about one
 * zlib chunk more than the cap, never its full inflated size. A refused body is not read to its end: the
 * response closes the connection (see the error edge, src/error-edge.ts).
 */
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ErrorCode, TracegateError } from '../errors';

/** Content codings accepted (RFC 9110 section 8.4.1); OTLP/HTTP requires gzip and Zipkin reporters use it too. */
export const ContentCoding = { IDENTITY: 'identity', GZIP: 'gzip' } as const;
export type ContentCoding = (typeof ContentCoding)[keyof typeof ContentCoding];

/** HTTP statuses a body can fail with. */
export type BodyErrorStatus = 400 | 413 | 415;

/** How far reading went before a body was refused. */
export type BodyReadDetails = { rawBytes: number; inflatedBytes: number };

/** A body that cannot be read; `message` is safe for the client. The rest of the body is left unread. */
export class HttpBodyError extends TracegateError {
  declare readonly details: BodyReadDetails;

  constructor(
    readonly status: BodyErrorStatus,
    code: ErrorCode,
    message: string,
    details: BodyReadDetails = { rawBytes: 0, inflatedBytes: 0 },
  ) {
    super(code, message, details);
    this.name = 'HttpBodyError';
  }
}

export interface BodyHeaders {
  'content-length'?: string | undefined;
  'content-encoding'?: string | undefined;
}

export interface ReadBodyOptions {
  /**
   * `decode` (default): inflate gzip, refuse other codings with 415. `ignore`: hand back the bytes as sent
   * (the GraphQL route, where a compressed body then fails as unparsable JSON).
   */
  contentEncoding?: 'decode' | 'ignore';
}

/** The whole body, decoded, at most `maxBytes` long both as sent and after inflating. */
export function readBody(source: Readable, headers: BodyHeaders, maxBytes: number, options: ReadBodyOptions = {}): Promise<Buffer> {
  let coding: ContentCoding;
  try {
    coding = options.contentEncoding === 'ignore' ? ContentCoding.IDENTITY : contentCodingOf(headers['content-encoding']);
  } catch (err) {
    source.resume();
    return Promise.reject(err);
  }
  const declared = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  if (declared !== undefined && Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(tooLarge(`${declared} bytes (Content-Length)`, maxBytes, { rawBytes: 0, inflatedBytes: 0 }));
  }
  if (coding === ContentCoding.IDENTITY && declared !== undefined && heldWhole(source, declared)) {
    const body = (source.read() as Buffer | null) ?? Buffer.alloc(0);
    // Nothing is left to read: flowing, the stream ends (and is let go of) as soon as its end comes.
    source.resume();
    return Promise.resolve(body);
  }
  return coding === ContentCoding.GZIP ? readGzip(source, maxBytes) : readIdentity(source, maxBytes);
}

/**
 * Whether the stream has already received all of a body of `length` bytes and holds it unread: an HTTP request
 * whose body came in the packet of its headers, once that packet is parsed (the request event comes while its
 * headers are parsed; the body follows in the same parse, before the next microtask). An HTTP request stream
 * holds body bytes only, at most its Content-Length, so holding `length` of them is holding all of them. Such a
 * body is taken from the stream's buffer at once, without waiting for the stream's end, which Node signals only
 * on a later turn of the event loop (the request's `complete` is still false one microtask after the request
 * event, its bytes already buffered).
 */
function heldWhole(source: Readable, length: number): boolean {
  return source.readableFlowing !== true && source.readableLength === length;
}

// Private: header value -> coding; a list of codings ("gzip, gzip") is refused rather than half-applied.
function contentCodingOf(header: string | undefined): ContentCoding {
  const value = (header ?? '').trim().toLowerCase();
  if (value === '' || value === ContentCoding.IDENTITY) return ContentCoding.IDENTITY;
  if (value === ContentCoding.GZIP || value === 'x-gzip') return ContentCoding.GZIP;
  throw new HttpBodyError(415, ErrorCode.BAD_USER_INPUT, `unsupported Content-Encoding: expected gzip or none, got ${JSON.stringify(header)}`);
}

function readIdentity(source: Readable, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let rawBytes = 0;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      source.removeListener('data', onData);
      source.resume(); // discard the rest; the response closes the connection
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      rawBytes += chunk.length;
      if (rawBytes > maxBytes) return fail(tooLarge(`more than ${maxBytes} bytes`, maxBytes, { rawBytes, inflatedBytes: rawBytes }));
      chunks.push(chunk);
    };
    source.on('data', onData);
    source.once('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks));
    });
    source.once('error', (err) => fail(new HttpBodyError(400, ErrorCode.BAD_USER_INPUT, `request body could not be read: ${err.message}`)));
  });
}

function readGzip(source: Readable, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gunzip = createGunzip();
    const chunks: Buffer[] = [];
    let rawBytes = 0;
    let inflatedBytes = 0;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      source.removeListener('data', onData);
      source.resume();
      gunzip.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      rawBytes += chunk.length;
      if (rawBytes > maxBytes) return fail(tooLarge(`more than ${maxBytes} bytes of gzip`, maxBytes, { rawBytes, inflatedBytes }));
      if (!gunzip.write(chunk)) {
        source.pause();
        gunzip.once('drain', () => {
          if (!settled) source.resume();
        });
      }
    };
    gunzip.on('data', (out: Buffer) => {
      if (settled) return;
      inflatedBytes += out.length;
      if (inflatedBytes > maxBytes) {
        return fail(tooLarge(`gzip inflating to more than ${maxBytes} bytes`, maxBytes, { rawBytes, inflatedBytes }));
      }
      chunks.push(out);
    });
    gunzip.once('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks));
    });
    gunzip.once('error', (err) =>
      fail(new HttpBodyError(400, ErrorCode.BAD_USER_INPUT, `Content-Encoding is gzip but the body is not valid gzip: ${err.message}`, { rawBytes, inflatedBytes })),
    );
    source.on('data', onData);
    source.once('end', () => {
      if (!settled) gunzip.end();
    });
    source.once('error', (err) =>
      fail(new HttpBodyError(400, ErrorCode.BAD_USER_INPUT, `request body could not be read: ${err.message}`, { rawBytes, inflatedBytes })),
    );
  });
}

function tooLarge(received: string, maxBytes: number, details: BodyReadDetails): HttpBodyError {
  return new HttpBodyError(413, ErrorCode.PAYLOAD_TOO_LARGE, `request body: expected at most ${maxBytes} bytes, received ${received}`, details);
}
