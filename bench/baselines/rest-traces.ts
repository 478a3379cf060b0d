/**
 * P5's baseline: a hand-written REST endpoint serving the page of P5's nested GraphQL query
 * (`traces(first) { pageInfo { hasNextPage endCursor } nodes { id spans { spanId operation service { name }
 * parent { spanId } children { spanId } } } }`) from the same store, with the raw `mongodb` driver and no
 * framework: the finds that page needs, each leaving out the fields it does not use, nested by hand, `JSON.stringify`.
 *
 * `POST /traces` with a JSON body `{ "first": n }` answers `{ "traces": ... }`, the same object the gateway
 * answers under `data`, so one reply of each can be compared (`samePage`). The page is the gateway's default
 * order (newest start first, then trace id); the cursor is the gateway's own encoding, so the two pages match to
 * the byte. Span order and parent / children follow the gateway's trace assembly: spans by start time then
 * span id; a parent outside the trace is null.
 *
 * `GET /traces/<traceId>` is P4's raw work behind HTTP: `find({ traceId })` of the trace's span documents, whole,
 * and `JSON.stringify` of them, in this worker, so a client pays the same HTTP round trip to it as to the
 * gateway's `trace(id)`.
 *
 * `reads` chooses how the finds are read: `cursor` (default) as a hand-written endpoint reads them,
 * `collection.find(...).toArray()`; `command` as one `find` command through `db.command`, its reply decoded by
 * the driver in one pass, which is how the gateway's store reads them (cheaper on the client than the cursor,
 * which decodes each document separately). Every reply of these endpoints fits one batch; a `command` read that
 * leaves a cursor open fails rather than answer part of the data.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { Long, MongoClient, type Db, type Document } from 'mongodb';
import { encodeCursor } from '../../src/store/cursor';

export interface RestTraces {
  /** http://127.0.0.1:port/traces (POST: a page; GET url/<traceId>: one trace's span documents) */
  url: string;
  stop(): Promise<void>;
}

interface TraceRow {
  _id: string;
  startUs: number;
}

interface SpanRow {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  operation: string;
  startUs: number;
}

interface SpanOut {
  spanId: string;
  operation: string;
  service: { name: string };
  parent: { spanId: string } | null;
  children: { spanId: string }[];
}

export interface TracesPage {
  traces: {
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: { id: string; spans: SpanOut[] }[];
  };
}

const MAX_FIRST = 100;
const TRACE_PATH = '/traces/';
const TRACE_ID = /^[0-9a-f]{32}$/;

/**
 * Each find leaves out every field the page does not use, by exclusion: MongoDB serves an exclusion and an
 * inclusion alike, and the embedded store serves an exclusion from the stored bytes while it decodes and
 * re-encodes each document for an inclusion, so a hand-written endpoint tuned for either store excludes.
 */
const TRACE_EXCLUDED = { endUs: 0, durationUs: 0, spanCount: 0, errorCount: 0, services: 0, svcOps: 0, attrs: 0, receivedAt: 0, expireAt: 0 } as const;
const SPAN_EXCLUDED = { _id: 0, kind: 0, endUs: 0, durationUs: 0, status: 0, result: 0, attrs: 0, metrics: 0, events: 0, links: 0, redactedCount: 0, receivedAt: 0, expireAt: 0 } as const;

/** How the endpoint reads its finds (see the header). */
export type RestReads = 'cursor' | 'command';

export interface Find {
  filter: Document;
  projection?: Document;
  sort?: Document;
  limit?: number;
}

export async function startRestTraces(options: { uri: string; dbName: string; reads?: RestReads }): Promise<RestTraces> {
  const client = new MongoClient(options.uri, { ignoreUndefined: true });
  await client.connect();
  const db = client.db(options.dbName);
  const find = options.reads === 'command' ? commandFind(db) : cursorFind(db);

  const page = async (first: number): Promise<TracesPage> => {
    const rows = await find<TraceRow>('traces', { filter: {}, projection: TRACE_EXCLUDED, sort: { startUs: -1, _id: -1 }, limit: first + 1 });
    const pageRows = rows.slice(0, first);
    const ids = pageRows.map((t) => t._id);
    const spanRows = ids.length === 0 ? [] : await find<SpanRow>('spans', { filter: { traceId: { $in: ids } }, projection: SPAN_EXCLUDED });
    const byTrace = new Map<string, SpanRow[]>();
    for (const s of spanRows) {
      const list = byTrace.get(s.traceId);
      if (list) list.push(s);
      else byTrace.set(s.traceId, [s]);
    }
    const nodes = pageRows.map((t) => ({ id: t._id, spans: nest(byTrace.get(t._id) ?? []) }));
    const last = pageRows.at(-1);
    return {
      traces: {
        pageInfo: { hasNextPage: rows.length > first, endCursor: last ? encodeCursor({ order: 'START_TIME_DESC', key: last.startUs, traceId: last._id }) : null },
        nodes,
      },
    };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const fail = (status: number, message: string): void => {
        const text = JSON.stringify({ error: message });
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      };
      const reply = (body: unknown): void => {
        const text = JSON.stringify(body);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      };
      if (req.method === 'GET' && req.url?.startsWith(TRACE_PATH)) {
        const traceId = req.url.slice(TRACE_PATH.length);
        if (!TRACE_ID.test(traceId)) return fail(400, `expected GET ${TRACE_PATH}<32 lowercase hex digits>, received ${req.url}`);
        find('spans', { filter: { traceId } }).then(reply, (e: unknown) => fail(503, e instanceof Error ? e.message : String(e)));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/traces') return fail(404, `expected POST /traces or GET ${TRACE_PATH}<traceId>, received ${req.method} ${req.url}`);
      let first: unknown;
      try {
        first = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { first?: unknown }).first;
      } catch {
        return fail(400, 'expected a JSON body { "first": n }, received text that is not JSON');
      }
      if (!Number.isInteger(first) || (first as number) < 1 || (first as number) > MAX_FIRST) {
        return fail(400, `first: expected an integer from 1 to ${MAX_FIRST}, received ${JSON.stringify(first)}`);
      }
      page(first as number).then(reply, (e: unknown) => fail(503, e instanceof Error ? e.message : String(e)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/traces`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await client.close();
    },
  };
}

/** A find as a hand-written endpoint reads it, through the driver's cursor. */
export function cursorFind(db: Db) {
  return <T>(collection: string, f: Find): Promise<T[]> => {
    let cursor = db.collection(collection).find(f.filter, f.projection ? { projection: f.projection } : {});
    if (f.sort) cursor = cursor.sort(f.sort);
    if (f.limit !== undefined) cursor = cursor.limit(f.limit);
    return cursor.toArray() as Promise<T[]>;
  };
}

/** A find as one `find` command, its reply's first batch taken whole (a cursor left open fails). */
export function commandFind(db: Db) {
  return async <T>(collection: string, f: Find): Promise<T[]> => {
    const reply = await db.command({ find: collection, filter: f.filter, projection: f.projection, sort: f.sort, limit: f.limit, batchSize: f.limit ?? 1_000_000 });
    const cursor = reply.cursor as { id: unknown; firstBatch: T[] };
    if (Long.isLong(cursor.id) ? !cursor.id.isZero() : Number(cursor.id) !== 0) throw new Error(`find on ${collection}: expected the whole result in one reply, received a cursor left open`);
    return cursor.firstBatch;
  };
}

// Private: one trace's spans in the gateway's order, each with its parent (null outside the trace) and children.
function nest(rows: SpanRow[]): SpanOut[] {
  rows.sort((a, b) => a.startUs - b.startUs || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0));
  const present = new Set<string>();
  for (const s of rows) present.add(s.spanId);
  const children = new Map<string, { spanId: string }[]>();
  for (const s of rows) {
    if (s.parentSpanId === null || !present.has(s.parentSpanId)) continue;
    const list = children.get(s.parentSpanId);
    if (list) list.push({ spanId: s.spanId });
    else children.set(s.parentSpanId, [{ spanId: s.spanId }]);
  }
  return rows.map((s) => ({
    spanId: s.spanId,
    operation: s.operation,
    service: { name: s.service },
    parent: s.parentSpanId !== null && present.has(s.parentSpanId) ? { spanId: s.parentSpanId } : null,
    children: children.get(s.spanId) ?? [],
  }));
}

/**
 * Whether a gateway reply (`{ data: { traces } }`) and a REST reply (`{ traces }`) carry the same page;
 * undefined when they do, else where they first differ.
 */
export function pageDifference(gatewayBody: string, restBody: string): string | undefined {
  const gw = (JSON.parse(gatewayBody) as { data?: TracesPage }).data;
  const rest = JSON.parse(restBody) as TracesPage;
  if (!gw) return `the gateway reply has no data: ${gatewayBody.slice(0, 200)}`;
  if (isDeepStrictEqual(gw, rest)) return undefined;
  if (!isDeepStrictEqual(gw.traces?.pageInfo, rest.traces?.pageInfo)) {
    return `pageInfo: gateway ${JSON.stringify(gw.traces?.pageInfo)}, REST ${JSON.stringify(rest.traces?.pageInfo)}`;
  }
  const a = gw.traces?.nodes ?? [];
  const b = rest.traces?.nodes ?? [];
  if (a.length !== b.length) return `traces: gateway ${a.length}, REST ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (!isDeepStrictEqual(a[i], b[i])) return `trace ${i} (${a[i]?.id}): gateway ${JSON.stringify(a[i]).slice(0, 300)}, REST ${JSON.stringify(b[i]).slice(0, 300)}`;
  }
  return 'the replies differ outside pageInfo and nodes';
}
