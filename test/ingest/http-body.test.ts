import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
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

describe('readBody of a real HTTP request (node:http server, raw socket client)', () => {
  let server: Server;
  let port: number;
  const heard: { body: string; ended: Promise<void> }[] = [];
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const ended = new Promise<void>((resolve) => req.once('end', resolve));
      // As the GraphQL route reads: one microtask after the request event.
      void Promise.resolve()
        .then(() => readBody(req, req.headers, CAP, { contentEncoding: 'ignore' }))
        .then((body) => {
          heard.push({ body: body.toString('utf8'), ended });
          res.end(`read ${body.length}`);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  /** Sends `parts` (joined: one request, or several on one keep-alive connection) with `gapMs` between writes; the replies' text. */
  const send = (parts: string[], gapMs: number, replies: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString('utf8');
        if ((text.match(/read \d+/g) ?? []).length === replies) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
      socket.on('connect', async () => {
        for (const part of parts) {
          socket.write(part);
          if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        }
      });
    });
  const request = (body: string) => `POST /x HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

  it('reads a body that came with its headers, one that came later in pieces, and keep-alive requests back to back, each whole and each stream ended', async () => {
    heard.length = 0;
    const a = JSON.stringify({ query: '{ a }', variables: { s: 'é'.repeat(300) } });
    const b = JSON.stringify({ query: '{ b }', variables: { n: [1, 2, 3] } });
    await send([request(a)], 0, 1);
    const split = request(b);
    const head = split.indexOf('\r\n\r\n') + 4;
    await send([split.slice(0, head), split.slice(head, head + 10), split.slice(head + 10)], 20, 1);
    await send([request(a) + request(b) + request('')], 0, 3);
    expect(heard.map((h) => h.body)).toEqual([a, b, a, b, '']);
    await Promise.all(heard.map((h) => h.ended));
  });
});
