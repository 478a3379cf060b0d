/**
 * The store's CPU per command kind under the gateway's ingest (a development tool, not a scenario).
 *
 *   node dist/bench/workers/store-replay.js record FILE [batches]   (the gateway as a worker ingests P1's demo
 *       batches of 500 spans into an in-process store through a loopback proxy that keeps every message the
 *       gateway sends, in order, as wire frames in FILE)
 *   node dist/bench/workers/store-replay.js replay FILE [repeats]   (runs FILE's commands one at a time against a
 *       fresh in-process memory-only store per repeat and prints process.cpuUsage per command kind, the least of the repeats;
 *       `replay FILE N 'update traces'` replays only that kind and the index builds, e.g. under --cpu-prof)
 *
 *   node dist/bench/workers/store-replay.js contend FILE [probeMs]   (a store worker; one connection replays
 *       FILE's write commands back to back, as the gateway's background ingest, while a driver inserts one span
 *       document every probeMs (default 10) on another connection into a collection with the span indexes; prints
 *       the probe inserts' latency percentiles: how long a short write waits behind long ones)
 *
 *   node dist/bench/workers/store-replay.js wire FILE [repeats] [cpuProfDir]   (a store worker per run; one connection sends
 *       FILE's messages one at a time, each after the previous reply, as the gateway's store traffic; then, on a
 *       fresh worker, only FILE's span inserts (and the index builds), as the raw side of P1 sends them; prints the
 *       store process's CPU for each and their ratio: the replay's figure with the wire, the checks of arrived
 *       documents and the transactions counted)
 *
 *   node dist/bench/workers/store-replay.js pair FILE OTHER_DIST [repeats] [kinds]   (this tree's store and the store
 *       compiled in OTHER_DIST, another checkout's `dist`, in one process, both fresh per repeat; each of FILE's
 *       commands is decoded and run on both, in turn, in alternating order, and each side's process.cpuUsage per kind is
 *       summed: two versions compared under the same load at the same moment. Prints per kind both figures and, for
 *       the commands other than the span inserts, their CPU ÷ the span inserts' CPU on each side (P1's storeCpuRatio
 *       minus 1, without frames and sockets). OTHER_DIST must load this tree's `node_modules` (make its checkout's
 *       `node_modules` a symlink to this one's): two copies of lmdb-js in one process conflict.)
 *
 *   node dist/bench/workers/store-replay.js recount FILE OTHER_DIST [rounds]   (the gateway's trace recount, the
 *       `$match` / `$project` / `$group` aggregate of `reconcileExisting`, on a trace of 10, 100 and 1,000 stored spans
 *       (FILE's span documents, 1,000 other spans around them, the span indexes), on this tree's store and on
 *       OTHER_DIST's in one process, alternating per round; prints each side's median and least store CPU per
 *       recount (dispatcher and reply encoding). OTHER_DIST as for `pair`.)
 *
 *   node dist/bench/workers/store-replay.js bulk OTHER_DIST [batches] [cpuProfSide]   (P8's insert in one process: this
 *       tree's store and OTHER_DIST's, each with a data directory and the `{traceId:1}` and `{startTime:1}` indexes,
 *       receive the same `insertMany` frames of 1,000 demo span documents (ordered, a `documents` sequence as the
 *       driver sends them), alternating per batch; prints each side's store CPU per document (frame parse, command,
 *       durable commit, reply encoding), total and over the second half. OTHER_DIST as for `pair`.)
 *
 * The replay runs each command through the store's dispatcher and encodes its reply, as the wire layer does, so a
 * kind's figure is the store's work for it (the frame decoding excepted). Cursor continuations (getMore,
 * killCursors) and change-stream aggregates are skipped: their cursors do not exist in the replaying store.
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createConnection, createServer, type Socket } from 'node:net';
import { deserialize, serialize, type Document } from 'bson';
import { startEmbeddedMongo } from '../../src/embedded-mongo';
import { CommandDispatcher } from '../../src/embedded-mongo/commands';
import { encodeOpMsgReply, FrameDecoder, parseRequest } from '../../src/embedded-mongo/wire';
import { keepAliveAgent, SpanSubmitter, TrafficGenerator } from '../../src/demo';
import { MongoClient } from 'mongodb';
import { INDEXES } from '../../src/store';
import { log } from '../../src/log';
import { forkWorker } from '../harness/child';
import { percentile } from '../harness/stats';
import type { StoreReady } from './store';
import type { ProcessFigures } from './protocol';
import { INGEST_CONCURRENCY, sendAll } from '../load/ingest';
import { SpanDocStream } from '../load/span-docs';
import { ingestBatches } from '../load/span-bodies';
import type { GatewayArgs, GatewayReady } from './gateway';

async function record(file: string, batches: number): Promise<void> {
  const store = await startEmbeddedMongo({ port: 0 });
  const out = createWriteStream(file);
  const proxy = createServer((client: Socket) => {
    const upstream = createConnection({ host: '127.0.0.1', port: store.port });
    const frames = new FrameDecoder();
    client.on('data', (chunk) => {
      for (const frame of frames.push(chunk)) out.write(frame);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as { port: number }).port;
  const args: GatewayArgs = { storeUri: `mongodb://127.0.0.1:${port}/?directConnection=true`, dbName: 'bench_ingest' };
  const gateway = await forkWorker<GatewayReady>('gateway', { args });
  const agent = keepAliveAgent(INGEST_CONCURRENCY);
  try {
    const submitter = new SpanSubmitter({ url: gateway.ready.url, agent, maxAttempts: 20, baseDelayMs: 20 });
    const gen = new TrafficGenerator({ seed: 'p1' });
    await sendAll(submitter, ingestBatches(gen, batches, 500, Date.now() - 3_600_000));
  } finally {
    agent.destroy();
    await gateway.stop();
    proxy.close();
    await store.stop();
    await new Promise<void>((resolve) => out.end(resolve));
  }
  const frames = new FrameDecoder().push(readFileSync(file)).length;
  console.log(`recorded ${frames} messages of ${batches} batches into ${file}`);
}

const SKIPPED = new Set(['getMore', 'killCursors', 'endSessions']);

// A reply the gateway's traffic expects: ok, or a duplicate key among the write errors (an insert of trace summaries
// that may exist already), or NamespaceNotFound for listIndexes (the index set-up reads a collection's indexes
// before it exists).
function expected(kind: string, reply: Document): boolean {
  if (reply.ok !== 1) return reply.code === 26 && kind.startsWith('listIndexes');
  return !(reply.writeErrors as Document[] | undefined)?.some((e) => e.code !== 11000);
}

function kindOf(command: Document): string | undefined {
  const name = Object.keys(command)[0]!;
  if (SKIPPED.has(name)) return undefined;
  if (name === 'aggregate' && Array.isArray(command.pipeline) && (command.pipeline as Document[])[0]?.$changeStream) return undefined;
  const target = command[name];
  return typeof target === 'string' ? `${name} ${target}` : name;
}

async function replay(file: string, repeats: number, only?: string): Promise<void> {
  const commands: Document[] = [];
  for (const frame of new FrameDecoder().push(readFileSync(file))) {
    const request = parseRequest(frame);
    if (request.kind === 'msg') commands.push(request.command);
  }
  // Per kind, the repeat that cost least (the machine is shared: the least disturbed run is the steadiest figure).
  const figures = new Map<string, { n: number; statements: number; us: number }>();
  for (let r = 0; r < repeats; r++) {
    const run = new Map<string, { n: number; statements: number; us: number }>();
    const store = await startEmbeddedMongo({ port: 0, plugins: [] });
    const server = { address: 'replay', setName: 'tracegate', electionId: undefined as never, startedAt: new Date() };
    const dispatcher = new CommandDispatcher((db, connection) => ({ engine: store.engine, cursors: store.cursors, extensions: store.extensions, server, connection, db }), log);
    const connection = { id: 1, remoteAddress: 'replay' };
    for (const command of commands) {
      const kind = kindOf(command);
      if (!kind || (only !== undefined && !kind.startsWith('createIndexes') && !only.split(',').includes(kind))) continue;
      const before = process.cpuUsage();
      const reply = await dispatcher.run(command, connection);
      encodeOpMsgReply(1, 1, reply);
      const used = process.cpuUsage(before);
      if (!expected(kind, reply)) throw new Error(`replayed ${kind} failed: ${JSON.stringify(reply)}`);
      const f = run.get(kind) ?? { n: 0, statements: 0, us: 0 };
      f.n += 1;
      const list = command.documents ?? command.updates ?? command.deletes;
      f.statements += Array.isArray(list) ? list.length : 1;
      f.us += used.user + used.system;
      run.set(kind, f);
    }
    if (r === repeats - 1) console.log(`write transactions: ${store.engine.transactions}`);
    await store.stop();
    for (const [kind, f] of run) {
      const best = figures.get(kind);
      if (!best || f.us < best.us) figures.set(kind, f);
    }
  }
  const total = [...figures.values()].reduce((s, f) => s + f.us, 0);
  const rows = [...figures.entries()].sort((a, b) => b[1].us - a[1].us);
  for (const [kind, f] of rows) {
    console.log(`${kind.padEnd(34)} ${String(f.n).padStart(6)} cmds ${String(f.statements).padStart(7)} stmts ${(f.us / 1000).toFixed(1).padStart(9)} ms ${(f.us / f.statements).toFixed(1).padStart(8)} µs/stmt ${((100 * f.us) / total).toFixed(1).padStart(5)}%`);
  }
  console.log(`total ${(total / 1000).toFixed(1)} ms`);
}

interface StoreModules {
  startEmbeddedMongo: typeof startEmbeddedMongo;
  CommandDispatcher: typeof CommandDispatcher;
  parseRequest: typeof parseRequest;
  encodeOpMsgReply: typeof encodeOpMsgReply;
}

// Private: the store modules compiled in another checkout's `dist`.
function storeModules(otherDist: string): StoreModules {
  const dir = resolve(otherDist);
  return {
    ...(require(join(dir, 'src/embedded-mongo')) as Pick<StoreModules, 'startEmbeddedMongo'>),
    ...(require(join(dir, 'src/embedded-mongo/commands')) as Pick<StoreModules, 'CommandDispatcher'>),
    ...(require(join(dir, 'src/embedded-mongo/wire')) as Pick<StoreModules, 'parseRequest' | 'encodeOpMsgReply'>),
  };
}

async function pair(file: string, otherDist: string, repeats: number, only?: string): Promise<void> {
  const sides: StoreModules[] = [{ startEmbeddedMongo, CommandDispatcher, parseRequest, encodeOpMsgReply }, storeModules(otherDist)];
  const frames: Array<{ kind: string; frame: Buffer }> = [];
  for (const frame of new FrameDecoder().push(readFileSync(file))) {
    const request = parseRequest(frame);
    if (request.kind !== 'msg') continue;
    const kind = kindOf(request.command);
    if (!kind || (only !== undefined && !kind.startsWith('createIndexes') && !only.split(',').includes(kind))) continue;
    frames.push({ kind, frame });
  }
  const totals = [new Map<string, number>(), new Map<string, number>()];
  const connection = { id: 1, remoteAddress: 'pair' };
  for (let r = 0; r < repeats; r++) {
    const running = [];
    for (const m of sides) {
      const store = await m.startEmbeddedMongo({ port: 0, plugins: [] });
      const server = { address: 'pair', setName: 'tracegate', electionId: undefined as never, startedAt: new Date() };
      const dispatcher = new m.CommandDispatcher((db, c) => ({ engine: store.engine, cursors: store.cursors, extensions: store.extensions, server, connection: c, db }), log);
      running.push({ m, store, dispatcher });
    }
    for (let i = 0; i < frames.length; i++) {
      const { kind, frame } = frames[i]!;
      for (const s of i % 2 === 0 ? [0, 1] : [1, 0]) {
        const { m, dispatcher } = running[s]!;
        const before = process.cpuUsage();
        const request = m.parseRequest(frame);
        if (request.kind !== 'msg') continue;
        const reply = await dispatcher.run(request.command, connection);
        m.encodeOpMsgReply(1, 1, reply);
        const used = process.cpuUsage(before);
        if (!expected(kind, reply)) throw new Error(`${s === 0 ? 'this tree' : otherDist}: ${kind} failed: ${JSON.stringify(reply)}`);
        totals[s]!.set(kind, (totals[s]!.get(kind) ?? 0) + used.user + used.system);
      }
    }
    for (const { store } of running) await store.stop();
  }
  const ms = (us: number | undefined): string => ((us ?? 0) / repeats / 1000).toFixed(1).padStart(9);
  const spans = [0, 0];
  const rest = [0, 0];
  for (const kind of [...totals[0]!.keys()].sort((a, b) => totals[0]!.get(b)! - totals[0]!.get(a)!)) {
    const [a, b] = [totals[0]!.get(kind) ?? 0, totals[1]!.get(kind) ?? 0];
    console.log(`${kind.padEnd(34)} ${ms(a)} ms ${ms(b)} ms`);
    const sums = kind === 'insert spans' ? spans : rest;
    sums[0]! += a;
    sums[1]! += b;
  }
  console.log(`the other commands ÷ the span inserts: this tree ${(rest[0]! / spans[0]!).toFixed(3)}, ${otherDist} ${(rest[1]! / spans[1]!).toFixed(3)} (ms per repeat, in columns: this tree, ${otherDist})`);
}

// Private: a store (of `m`) with the span indexes, 1,000 spans of other traces and `n` spans of the probe trace.
async function recountStore(m: StoreModules, spans: readonly Document[], n: number): Promise<{ stop(): Promise<void>; run(command: Document): Promise<Document> }> {
  const store = await m.startEmbeddedMongo({ port: 0, plugins: [] });
  const server = { address: 'recount', setName: 'tracegate', electionId: undefined as never, startedAt: new Date() };
  const dispatcher = new m.CommandDispatcher((db, c) => ({ engine: store.engine, cursors: store.cursors, extensions: store.extensions, server, connection: c, db }), log);
  const connection = { id: 1, remoteAddress: 'recount' };
  const run = (command: Document): Promise<Document> => dispatcher.run({ ...command, $db: 'recount' }, connection);
  await run({ createIndexes: 'spans', indexes: INDEXES.spans.map((i) => ({ ...i, name: i.name ?? Object.keys(i.key).join('_') })) });
  const others = spans.slice(0, 1000).map((d, i) => ({ ...d, _id: `other-${i}`, spanId: `other-${i}` }));
  await run({ insert: 'spans', documents: others });
  const probe: Document[] = [];
  for (let i = 0; i < n; i++) {
    probe.push({ ...spans[(1000 + i) % spans.length], _id: `probe-${i}`, traceId: RECOUNT_TRACE, spanId: `probe-${i}`, status: i % 7 === 0 ? 'ERROR' : 'OK' });
  }
  for (let i = 0; i < probe.length; i += 500) await run({ insert: 'spans', documents: probe.slice(i, i + 500) });
  return { stop: () => store.stop(), run };
}

const RECOUNT_TRACE = '0123456789abcdef0123456789abcdef';

async function recount(file: string, otherDist: string, rounds: number): Promise<void> {
  const sides: StoreModules[] = [{ startEmbeddedMongo, CommandDispatcher, parseRequest, encodeOpMsgReply }, storeModules(otherDist)];
  const spans: Document[] = [];
  for (const frame of new FrameDecoder().push(readFileSync(file))) {
    const request = parseRequest(frame);
    if (request.kind !== 'msg' || request.command.insert !== 'spans') continue;
    for (const d of request.command.documents as Array<Document | Uint8Array>) spans.push(d instanceof Uint8Array ? deserialize(d) : d);
    if (spans.length >= 2000) break;
  }
  if (spans.length === 0) throw new Error(`${file} holds no span inserts`);
  // The pipeline `reconcileExisting` (src/store/mongo/summaries.ts) sends.
  const command = {
    aggregate: 'spans',
    pipeline: [
      { $match: { traceId: { $in: [RECOUNT_TRACE, 'fedcba9876543210fedcba9876543210'] } } },
      { $project: { _id: 0, traceId: 1, status: 1 } },
      { $group: { _id: '$traceId', spans: { $sum: 1 }, errors: { $sum: { $cond: [{ $eq: ['$status', 'ERROR'] }, 1, 0] } } } },
    ],
    cursor: {},
  };
  for (const n of [10, 100, 1000]) {
    const stores = await Promise.all(sides.map((m) => recountStore(m, spans, n)));
    const us: number[][] = [[], []];
    for (let r = 0; r < rounds; r++) {
      for (const s of r % 2 === 0 ? [0, 1] : [1, 0]) {
        const before = process.cpuUsage();
        const reply = await stores[s]!.run(command);
        sides[s]!.encodeOpMsgReply(1, 1, reply);
        const used = process.cpuUsage(before);
        const counted = ((reply.cursor as Document | undefined)?.firstBatch as Document[] | undefined)?.[0]?.spans;
        if (counted !== n) throw new Error(`${s === 0 ? 'this tree' : otherDist}: the recount of ${n} spans answered ${JSON.stringify(reply)}`);
        us[s]!.push(used.user + used.system);
      }
    }
    for (const store of stores) await store.stop();
    const line = (a: number[]): string => `median ${percentile(a, 50).toFixed(0)} µs, least ${Math.min(...a)} µs`;
    console.log(`${String(n).padStart(5)} spans: this tree ${line(us[0]!)}; ${otherDist} ${line(us[1]!)}`);
  }
}

async function contend(file: string, probeMs: number): Promise<void> {
  const frames = new FrameDecoder().push(readFileSync(file)).filter((frame) => {
    const request = parseRequest(frame);
    return request.kind === 'msg' && /^(insert|update|delete|createIndexes)$/.test(Object.keys(request.command)[0]!);
  });
  const store = await forkWorker<StoreReady>('store', { maxOldSpaceMb: 8192 });
  const client = new MongoClient(store.ready.uri);
  try {
    const probes = client.db('contend').collection('spans');
    await probes.createIndexes(INDEXES.spans);
    const connection = await rawConnection(store.ready.uri);
    let running = true;
    const t0 = performance.now();
    const background = (async () => {
      for (const frame of frames) await connection.send(frame);
      running = false;
    })();
    const latencies: number[] = [];
    let n = 0;
    while (running) {
      const start = performance.now();
      await probes.insertOne({ _id: `probe-${n}` as never, traceId: `t${n}`, spanId: 's', service: 'probe', startUs: n, attrs: [{ k: 'a', v: '1' }], expireAt: new Date() });
      latencies.push(performance.now() - start);
      n += 1;
      await new Promise((resolve) => setTimeout(resolve, probeMs));
    }
    await background;
    const ms = (p: number): string => percentile(latencies, p).toFixed(2);
    console.log(`background: ${frames.length} write commands in ${(performance.now() - t0).toFixed(0)} ms; ${latencies.length} probes: p50 ${ms(50)} p90 ${ms(90)} p99 ${ms(99)} max ${Math.max(...latencies).toFixed(2)} ms`);
    connection.close();
  } finally {
    await client.close();
    await store.stop();
  }
}

// Private: a socket to the store at `uri` that sends one recorded message at a time and resolves when its reply
// arrived.
async function rawConnection(uri: string): Promise<{ send(frame: Buffer): Promise<void>; close(): void }> {
  const port = Number(/:(\d+)\//.exec(uri)![1]);
  const socket = createConnection({ host: '127.0.0.1', port });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const replies = new FrameDecoder();
  let waiting: (() => void) | undefined;
  socket.on('data', (chunk) => {
    if (replies.push(chunk).length > 0) waiting?.();
  });
  return {
    send: (frame) =>
      new Promise<void>((resolve) => {
        waiting = resolve;
        socket.write(frame);
      }),
    close: () => socket.destroy(),
  };
}

// Private: the store worker's CPU (µs) to take `frames` over one connection, one message at a time.
async function wireRun(frames: readonly Buffer[], cpuProfDir?: string, label?: string): Promise<number> {
  const store = await forkWorker<StoreReady>('store', { maxOldSpaceMb: 8192, cpuProfDir, label });
  try {
    const connection = await rawConnection(store.ready.uri);
    const before = await store.call<ProcessFigures>('figures');
    for (const frame of frames) await connection.send(frame);
    const after = await store.call<ProcessFigures>('figures');
    connection.close();
    return after.cpuUs - before.cpuUs;
  } finally {
    await store.stop();
  }
}

async function wire(file: string, repeats: number, cpuProfDir?: string): Promise<void> {
  const all: Buffer[] = [];
  const spans: Buffer[] = [];
  for (const frame of new FrameDecoder().push(readFileSync(file))) {
    const request = parseRequest(frame);
    if (request.kind !== 'msg' || request.moreToCome) continue;
    const kind = kindOf(request.command);
    // Cursor continuations and change streams wait for data or name cursors of the recording's store.
    if (!kind) continue;
    all.push(frame);
    if (kind === 'insert spans' || kind.startsWith('createIndexes') || kind === 'hello') spans.push(frame);
  }
  for (let r = 0; r < repeats; r++) {
    const gatewayUs = await wireRun(all, cpuProfDir, 'wire-gateway');
    const rawUs = await wireRun(spans, cpuProfDir, 'wire-spans');
    console.log(`run ${r + 1}: gateway's traffic ${(gatewayUs / 1000).toFixed(1)} ms, span inserts alone ${(rawUs / 1000).toFixed(1)} ms of store CPU: ratio ${(gatewayUs / rawUs).toFixed(3)}`);
  }
}

// Private: an OP_MSG insert of `docs` (a body, then the documents as a kind-1 sequence, as the driver sends them).
function insertFrame(requestId: number, coll: string, db: string, docs: readonly Document[]): Buffer {
  const body = serialize({ insert: coll, ordered: true, $db: db });
  const encoded = docs.map((d) => serialize(d));
  const name = Buffer.from('documents\0', 'latin1');
  const seqSize = 4 + name.length + encoded.reduce((s, d) => s + d.length, 0);
  const header = Buffer.alloc(16 + 4);
  const total = header.length + 1 + body.length + 1 + seqSize;
  header.writeInt32LE(total, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(2013, 12);
  const size = Buffer.alloc(4);
  size.writeInt32LE(seqSize, 0);
  return Buffer.concat([header, Buffer.from([0]), body, Buffer.from([1]), size, name, ...encoded], total);
}

async function bulk(otherDist: string, batches: number): Promise<void> {
  const sides: StoreModules[] = [{ startEmbeddedMongo, CommandDispatcher, parseRequest, encodeOpMsgReply }, storeModules(otherDist)];
  const stream = new SpanDocStream(new TrafficGenerator({ seed: 'p8-large' }));
  const frames: Buffer[] = [];
  for (let b = 0; b < batches; b++) frames.push(insertFrame(b + 1, 'spans_large', 'bench_p8', stream.take(1000)));
  const base = mkdtempSync(join(tmpdir(), 'store-bulk-'));
  const connection = { id: 1, remoteAddress: 'bulk' };
  const running = [];
  for (let s = 0; s < sides.length; s++) {
    const m = sides[s]!;
    const store = await m.startEmbeddedMongo({ port: 0, plugins: [], dataDir: join(base, String(s)) });
    const server = { address: 'bulk', setName: 'tracegate', electionId: undefined as never, startedAt: new Date() };
    const dispatcher = new m.CommandDispatcher((db, c) => ({ engine: store.engine, cursors: store.cursors, extensions: store.extensions, server, connection: c, db }), log);
    await dispatcher.run({ createIndexes: 'spans_large', indexes: [{ key: { traceId: 1 }, name: 'traceId_1' }, { key: { startTime: 1 }, name: 'startTime_1' }], $db: 'bench_p8' }, connection);
    running.push({ m, store, dispatcher });
  }
  const us = [0, 0];
  const late = [0, 0];
  try {
    for (let i = 0; i < frames.length; i++) {
      for (const s of i % 2 === 0 ? [0, 1] : [1, 0]) {
        const { m, dispatcher } = running[s]!;
        const before = process.cpuUsage();
        const request = m.parseRequest(frames[i]!);
        if (request.kind !== 'msg') continue;
        const reply = await dispatcher.run(request.command, connection);
        m.encodeOpMsgReply(1, 1, reply);
        const used = process.cpuUsage(before);
        if (reply.ok !== 1 || reply.n !== 1000) throw new Error(`${s === 0 ? 'this tree' : otherDist}: insert failed: ${JSON.stringify(reply).slice(0, 300)}`);
        us[s]! += used.user + used.system;
        if (i >= frames.length / 2) late[s]! += used.user + used.system;
      }
    }
  } finally {
    for (const { store } of running) await store.stop();
    rmSync(base, { recursive: true, force: true });
  }
  const docs = frames.length * 1000;
  const line = (s: number): string => `${(us[s]! / docs).toFixed(2)} µs/doc (second half ${((2 * late[s]!) / docs).toFixed(2)})`;
  console.log(`${docs} documents each: this tree ${line(0)}; ${otherDist} ${line(1)}; ratio ${(us[0]! / us[1]!).toFixed(3)}`);
}

const [mode, file, count, only, pairKinds] = process.argv.slice(2);
if (!file || !['record', 'replay', 'contend', 'wire', 'pair', 'recount', 'bulk'].includes(mode!) || ((mode === 'pair' || mode === 'recount') && !count)) {
  console.error('usage: store-replay record FILE [batches] | replay FILE [repeats] [kinds] | contend FILE [probeMs] | wire FILE [repeats] [cpuProfDir] | pair FILE OTHER_DIST [repeats] [kinds] | recount FILE OTHER_DIST [rounds] | bulk OTHER_DIST [batches]');
  process.exit(2);
}
const work =
  mode === 'record'
    ? record(file, Number(count ?? 40))
    : mode === 'replay'
      ? replay(file, Number(count ?? 3), only)
      : mode === 'wire'
        ? wire(file, Number(count ?? 3), only)
        : mode === 'pair'
          ? pair(file, count!, Number(only ?? 3), pairKinds)
          : mode === 'recount'
            ? recount(file, count!, Number(only ?? 30))
            : mode === 'bulk'
              ? bulk(file, Number(count ?? 100))
              : contend(file, Number(count ?? 10));
work.then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
