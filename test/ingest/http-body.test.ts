import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { HttpBodyError, readBody } from '../../src/http';

/** A source that hands out `body` in `chunkSize` pieces and counts how much of it was pulled. */
function source(body: Buffer, chunkSize = 16 * 1024): Readable & { pulled: () => number } {
  let offset = 0;
  const r = new Readable({
    read() {
      if (offset >= body.length) return void this.push(null);
      const chunk = body.subarray(offset, offset + chunkSize);
      offset += chunk.length;
      this.push(chunk);
    },
  }) as Readable & { pulled: () => number };
  r.pulled = () => offset;
  return r;
}

async function failure(p: Promise<unknown>): Promise<HttpBodyError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HttpBodyError) return err;
    throw err;
  }
  throw new Error('expected the body to be refused, but it was read');
}

const CAP = 64 * 1024;

describe('readBody', () => {
  it('reads a plain body and a gzip body', async () => {
    const text = Buffer.from('{"resourceSpans":[]}');
    await expect(readBody(source(text), {}, CAP)).resolves.toEqual(text);
    await expect(readBody(source(gzipSync(text)), { 'content-encoding': 'gzip' }, CAP)).resolves.toEqual(text);
    await expect(readBody(source(gzipSync(text)), { 'content-encoding': ' GZIP ' }, CAP)).resolves.toEqual(text);
  });

  it('refuses by Content-Length before reading anything', async () => {
    const src = source(Buffer.alloc(10));
    const err = await failure(readBody(src, { 'content-length': String(CAP + 1) }, CAP));
    expect(err.status).toBe(413);
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
    expect(err.message).toBe(`request body: expected at most ${CAP} bytes, received ${CAP + 1} bytes (Content-Length)`);
  });

  it('refuses a plain body that streams past the cap', async () => {
    const err = await failure(readBody(source(Buffer.alloc(CAP * 4)), {}, CAP));
    expect(err.status).toBe(413);
    expect(err.details.rawBytes).toBeGreaterThan(CAP);
  });

  it('stops inflating a gzip bomb soon after its output passes the cap', async () => {
    // 64 concatenated gzip members of 1 MB of zeros: ~64 KB on the wire, 64 MB inflated (RFC 1952 allows members).
    const member = gzipSync(Buffer.alloc(1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member));
    expect(bomb.length).toBeLessThan(2 * CAP);
    const src = source(bomb, 1024);
    const err = await failure(readBody(src, { 'content-encoding': 'gzip' }, CAP));
    expect(err.status).toBe(413);
    expect(err.message).toBe(`request body: expected at most ${CAP} bytes, received gzip inflating to more than ${CAP} bytes`);
    // The inflater was destroyed within a few zlib chunks (16 KB each) of the cap, far from the 64 MB.
    expect(err.details.inflatedBytes).toBeGreaterThan(CAP);
    expect(err.details.inflatedBytes).toBeLessThan(CAP + 8 * 16 * 1024);
    expect(err.details.rawBytes).toBeLessThan(bomb.length);
  });

  it('refuses a gzip body that is not gzip, and an unknown Content-Encoding', async () => {
    const bad = await failure(readBody(source(Buffer.from('plain text')), { 'content-encoding': 'gzip' }, CAP));
    expect(bad.status).toBe(400);
    expect(bad.message).toMatch(/^Content-Encoding is gzip but the body is not valid gzip: /);
    const br = await failure(readBody(source(Buffer.from('x')), { 'content-encoding': 'br' }, CAP));
    expect(br.status).toBe(415);
    expect(br.message).toBe('unsupported Content-Encoding: expected gzip or none, got "br"');
  });
});
