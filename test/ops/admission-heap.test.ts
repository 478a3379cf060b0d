/**
 * Admission before memory: a gateway process on a 160 MB heap (`--max-old-space-size=160`) takes eight concurrent
 * ~4.5 MB submitSpans bodies, over a standalone store process and with the embedded store in-process on disk (as
 * `npm start` runs it: on a worker thread of its own, whose heap has the same 160 MB bound). Every request gets an
 * answer (200, or 429 with Retry-After, decided before its body is read, or 503 STORE_UNAVAILABLE) and the process
 * stays up.
 */
import { randomBytes } from 'node:crypto';
import { buildSources, type Build, type Child } from './helpers/processes';

const SUBMIT = 'mutation($spans: [SpanInput!]!) { submitSpans(spans: $spans) { accepted duplicates rejected { index code } } }';

/**
 * One submitSpans body of `count` spans, each with attributes enough for ~4.5 kB. With `stored: false` every span
 * ends before it starts, so an admitted body costs the gateway its whole parse and validation but writes nothing
 * (admission and memory, not the store's pace); with `stored: true` the spans are valid and are written.
 */
function bigBody(count: number, stored: boolean): { body: string; traceIds: string[] } {
  const traceIds: string[] = [];
  const spans = [];
  const base = Date.now() - 60_000;
  for (let i = 0; i < count; i++) {
    traceIds.push(randomBytes(16).toString('hex'));
    spans.push({
      traceId: traceIds[traceIds.length - 1],
      spanId: randomBytes(8).toString('hex'),
      service: `svc-${i % 7}`,
      operation: `GET /items/${i % 31}`,
      startTime: new Date(base + i).toISOString(),
      endTime: new Date(base + i + (stored ? 5 : -5)).toISOString(),
      // Stored spans carry their bytes in a few long values (fewer index entries for the store to write).
      attributes: stored
        ? Array.from({ length: 4 }, (_, k) => ({ key: `attr.${k}`, value: randomBytes(540).toString('hex') }))
        : Array.from({ length: 40 }, (_, k) => ({ key: `attr.${k}`, value: `value-${k}-${randomBytes(40).toString('hex')}` })),
    });
  }
  return { body: JSON.stringify({ query: SUBMIT, variables: { spans } }), traceIds };
}

let build: Build;
beforeAll(() => {
  build = buildSources();
});
afterAll(() => {
  build?.cleanup();
});

/** Eight concurrent big bodies at once; checks every answer, and that the gateway is up and refused some. */
async function burst(gateway: Child & { origin: string }, stored: boolean): Promise<void> {
  let exited = false;
  void gateway.exited.then(() => (exited = true));
  const replies = await Promise.all(
    Array.from({ length: 8 }, async () => {
      const { body } = bigBody(1000, stored);
      expect(body.length).toBeGreaterThan(4_000_000);
      const res = await fetch(`${gateway.origin}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await res.text();
      return { status: res.status, retryAfter: res.headers.get('retry-after'), json: JSON.parse(text) as { data?: { submitSpans: { accepted: number } }; errors?: { extensions: { code: string } }[] } };
    }),
  );
  for (const reply of replies) {
    if (reply.status === 200) {
      if (reply.json.errors) throw new Error(`${JSON.stringify(reply.json.errors)}\n${gateway.stderr().slice(-3000)}`);
      expect(reply.json.data!.submitSpans).toEqual(
        stored ? { accepted: 1000, duplicates: 0, rejected: [] } : { accepted: 0, duplicates: 0, rejected: expect.arrayContaining([{ index: 999, code: 'END_BEFORE_START' }]) },
      );
    } else {
      // 429: refused before reading; 503: admitted, but the store did not answer in time (a loaded machine, a
      // gateway busy collecting garbage on its small heap): both retryable, both answers.
      expect([429, 503]).toContain(reply.status);
      expect(reply.retryAfter).toBe('1');
      expect(reply.json.errors![0]!.extensions.code).toBe(reply.status === 429 ? 'RATE_LIMITED' : 'STORE_UNAVAILABLE');
    }
  }
  expect(exited).toBe(false);
  // Two bodies fit in the bound at once (8 MiB minimum, a twentieth of a 208 MB heap limit). How many of the eight
  // overlap depends on how fast the admitted ones are parsed and answered, so only "some were refused" is certain.
  expect(replies.filter((reply) => reply.status === 429).length).toBeGreaterThanOrEqual(1);
  expect((await fetch(`${gateway.origin}/healthz`)).status).toBe(200);
  gateway.kill('SIGTERM');
  expect(await gateway.exited).toBe(0);
}

it('answers 200, 429 or 503 to every body and keeps running on a 160 MB heap, over a standalone store', async () => {
  const store = await build.startStore();
  // Without the byte bound (TRACEGATE_MAX_INFLIGHT_BYTES=1000000000) this process aborts: V8 out of memory.
  const gateway = await build.startGateway({ env: { MONGODB_URI: store.uri, MONGODB_DB: 'heap' }, nodeArgs: ['--max-old-space-size=160'] });
  await burst(gateway, false);
  store.kill('SIGTERM');
}, 120_000);

it('does the same with the embedded store in-process on disk, storing what it admits', async () => {
  const dataDir = build.tempDir('tg-heap-data-');
  const gateway = await build.startGateway({ env: { MONGODB_URI: '', TRACEGATE_DATA_DIR: dataDir }, nodeArgs: ['--max-old-space-size=160'] });
  expect(gateway.stderr()).toMatch(/using the embedded store in /);
  await burst(gateway, true);
}, 120_000);
