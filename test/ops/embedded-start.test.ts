/**
 * `npm start` without MONGODB_URI, as a process: the embedded store on disk on a worker thread of its own (the
 * default) or on the gateway's thread (TRACEGATE_STORE_THREAD=shared). What is stored survives a SIGTERM and a
 * restart, and GET /metrics tells how busy the store's own thread was; a data directory another gateway holds
 * stops the second one with the store thread's own error; a bad setting is refused before anything starts.
 */
import { readdirSync } from 'node:fs';
import { buildSources, type Build, type Child } from './helpers/processes';

const SUBMIT = 'mutation($spans: [SpanInput!]!) { submitSpans(spans: $spans) { accepted duplicates rejected { index code } } }';
const TRACE = 'query($id: ID!) { trace(id: $id) { id spans { spanId operation service { name } } } }';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

let build: Build;
beforeAll(() => {
  build = buildSources();
});
afterAll(() => {
  build?.cleanup();
});

async function graphql(gateway: { origin: string }, query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetch(`${gateway.origin}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const json = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown };
  if (res.status !== 200 || json.errors) throw new Error(`${res.status} ${JSON.stringify(json)}`);
  return json.data!;
}

const spans = ['order', 'inventory', 'payment'].map((service, i) => ({
  traceId: TRACE_ID,
  spanId: `00f067aa0ba902b${i}`,
  ...(i > 0 ? { parentSpanId: '00f067aa0ba902b0' } : {}),
  service,
  operation: `op-${service}`,
  startTime: new Date(Date.now() - 60_000 + i).toISOString(),
  endTime: new Date(Date.now() - 59_000 + i).toISOString(),
}));

/** The `tracegate_store_thread_event_loop_utilization` sample of GET /metrics; undefined when it is not there. */
async function storeThreadUtilization(gateway: { origin: string }): Promise<number | undefined> {
  const text = await (await fetch(`${gateway.origin}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('tracegate_store_thread_event_loop_utilization '));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

async function stop(gateway: Child): Promise<void> {
  gateway.kill('SIGTERM');
  expect(await gateway.exited).toBe(0);
}

it('keeps what it stored across a SIGTERM and a restart, with the store on a thread of its own', async () => {
  const dir = build.tempDir('tg-start-');
  const first = await build.startGateway({ env: { MONGODB_URI: '', TRACEGATE_DATA_DIR: dir } });
  expect(first.stderr()).toMatch(/using the embedded store in .*; its own thread\)/);
  expect(await graphql(first, SUBMIT, { spans })).toEqual({ submitSpans: { accepted: 3, duplicates: 0, rejected: [] } });
  await stop(first);
  // The socket was bound in a private directory before it moved to its path: nothing of that is left.
  expect(readdirSync(dir).filter((name) => name.startsWith('.s'))).toEqual([]);

  const second = await build.startGateway({ env: { MONGODB_URI: '', TRACEGATE_DATA_DIR: dir } });
  const { trace } = (await graphql(second, TRACE, { id: TRACE_ID })) as { trace: { spans: Array<{ spanId: string; service: { name: string } }> } };
  expect(trace.spans.map((s) => [s.spanId, s.service.name]).sort()).toEqual(spans.map((s) => [s.spanId, s.service]).sort());
  // The same spans again are duplicates: the restarted store holds them, not a copy.
  expect(await graphql(second, SUBMIT, { spans })).toEqual({ submitSpans: { accepted: 0, duplicates: 3, rejected: [] } });
  // The store thread's utilization gauge: 0 until its first 10 s window has passed, then that window's share.
  expect(await storeThreadUtilization(second)).toBe(0);
  await new Promise((r) => setTimeout(r, 10_500));
  const share = await storeThreadUtilization(second);
  expect(share).toBeGreaterThan(0);
  expect(share).toBeLessThanOrEqual(1);
  await stop(second);
}, 120_000);

it('refuses a data directory another gateway holds, with the error of the store thread, and the holder goes on', async () => {
  const dir = build.tempDir('tg-start-');
  const holder = await build.startGateway({ env: { MONGODB_URI: '', TRACEGATE_DATA_DIR: dir } });
  const second = build.startGateway({ env: { MONGODB_URI: '', TRACEGATE_DATA_DIR: dir } });
  await expect(second).rejects.toThrow(/exited \(1\) before it was ready[\s\S]*failed to start[\s\S]*DataDirLockedError: data directory .* is in use by process \d+/);
  expect(await graphql(holder, SUBMIT, { spans })).toEqual({ submitSpans: { accepted: 3, duplicates: 0, rejected: [] } });
  await stop(holder);
}, 120_000);

it('runs the store on the gateway thread with TRACEGATE_STORE_THREAD=shared, and refuses any other value', async () => {
  const dir = build.tempDir('tg-start-');
  const gateway = await build.startGateway({ env: { MONGODB_URI: '', TRACEGATE_DATA_DIR: dir, TRACEGATE_STORE_THREAD: 'shared' } });
  expect(gateway.stderr()).toMatch(/using the embedded store in .*; the gateway's thread\)/);
  expect(await storeThreadUtilization(gateway)).toBeUndefined();
  expect(await graphql(gateway, SUBMIT, { spans })).toEqual({ submitSpans: { accepted: 3, duplicates: 0, rejected: [] } });
  const { trace } = (await graphql(gateway, TRACE, { id: TRACE_ID })) as { trace: { spans: unknown[] } };
  expect(trace.spans).toHaveLength(3);
  await stop(gateway);

  const refused = build.startGateway({ env: { MONGODB_URI: '', TRACEGATE_DATA_DIR: dir, TRACEGATE_STORE_THREAD: 'worker' } });
  await expect(refused).rejects.toThrow(/exited \(2\) before it was ready[\s\S]*TRACEGATE_STORE_THREAD="worker": expected one of own, shared/);
}, 120_000);
