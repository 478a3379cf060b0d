/**
 * Reads an ingest request body with a byte cap that holds after decompression. A gzip body is inflated as it
 * streams in, and the inflater is destroyed the moment its output passes the cap, so a gzip bomb costs at most
 * about one zlib chunk more than the cap, never its full inflated size.
 */
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ErrorCode } from '../errors';

/** Content codings accepted (RFC 9110 section 8.4.1); OTLP/HTTP requires gzip and Zipkin reporters use it too. */
export const ContentCoding = { IDENTITY: 'identity', GZIP: 'gzip' } as const;
export type ContentCoding = (typeof ContentCoding)[keyof typeof ContentCoding];

/** HTTP statuses a body can fail with. */
export type BodyErrorStatus = 400 | 413 | 415;

/** A body that cannot be read; `message` is safe for the client. `details` say how far reading went. */
export class HttpBodyError extends Error {
  constructor(
    readonly status: BodyErrorStatus,
    readonly code: ErrorCode,
    message: string,
    readonly details: { rawBytes: number; inflatedBytes: number } = { rawBytes: 0, inflatedBytes: 0 },
  ) {
    super(message);
    this.name = 'HttpBodyError';
  }
}

export interface BodyHeaders {
  'content-length'?: string | undefined;
  'content-encoding'?: string | undefined;
}

/** The whole body, decoded, at most `maxBytes` long both as sent and after inflating. */
export function readBody(source: Readable, headers: BodyHeaders, maxBytes: number): Promise<Buffer> {
  let coding: ContentCoding;
  try {
    coding = contentCodingOf(headers['content-encoding']);
  } catch (err) {
    source.resume();
    return Promise.reject(err);
  }
  const declared = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  if (declared !== undefined && Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(tooLarge(`body of ${declared} bytes (Content-Length)`, maxBytes, { rawBytes: 0, inflatedBytes: 0 }));
  }
  return coding === ContentCoding.GZIP ? readGzip(source, maxBytes) : readIdentity(source, maxBytes);
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
      if (rawBytes > maxBytes) return fail(tooLarge(`body of more than ${maxBytes} bytes`, maxBytes, { rawBytes, inflatedBytes: rawBytes }));
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
      if (rawBytes > maxBytes) return fail(tooLarge(`gzip body of more than ${maxBytes} bytes`, maxBytes, { rawBytes, inflatedBytes }));
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
        return fail(tooLarge(`body inflating to more than ${maxBytes} bytes`, maxBytes, { rawBytes, inflatedBytes }));
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

function tooLarge(what: string, maxBytes: number, details: { rawBytes: number; inflatedBytes: number }): HttpBodyError {
  return new HttpBodyError(413, ErrorCode.PAYLOAD_TOO_LARGE, `${what}: the cap is ${maxBytes} bytes`, details);
}
