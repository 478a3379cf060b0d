/** Reading a request body with a byte cap: nothing beyond the cap is buffered. */
import type { IncomingMessage } from 'node:http';
import { ErrorCode, TracegateError } from '../../errors';

/** Raises TracegateError(PAYLOAD_TOO_LARGE) as soon as the body exceeds `maxBytes` (or declares it will). */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes, `${declared} bytes declared`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      // Stop reading; the connection is closed after the 413 is sent (see respond.ts).
      req.pause();
      throw tooLarge(maxBytes, `more than ${maxBytes} bytes received`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(maxBytes: number, received: string): TracegateError {
  return new TracegateError(ErrorCode.PAYLOAD_TOO_LARGE, `request body: expected at most ${maxBytes} bytes, received ${received}`, { limit: maxBytes });
}
