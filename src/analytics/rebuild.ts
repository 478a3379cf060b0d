/**
 * Recomputes every rollup from the stored spans: for data stored before analytics existed, or after an outage
 * that left rollups behind their spans.
 *
 * Spans are read once, in trace order, so every parent/child pair of a trace is seen together; buckets are
 * summed in memory, then each bucket document is replaced by its recomputed value (in the layout documents.ts
 * describes, whatever layout it had) and documents that existed before the run but no stored span contributes
 * to are deleted (among them those of an earlier layout). Running it twice gives the same rollups (idempotent). It never blocks ingest: it
 * reads with a cursor and writes bucket by bucket in bulk. The one thing it cannot order against ingest is a span
 * stored while its bucket is being replaced: such a span's contribution can be counted twice or missed in that
 * one bucket; run the rebuild at a quiet moment, or again, for exact figures.
 */
import type { AnyBulkWriteOperation, Db } from 'mongodb';
import type { SpanRecord } from '../domain';
import { Collections, fromSpanDoc, type MongoTraceStore, type SpanDoc } from '../store';

import type { RollupDoc, RollupFigures } from './documents';
import { pairsWithin } from './edges';
import { bucketId, bucketPlace, documentHead, rollupDeltas, type BucketDelta } from './rollup';
import { rollups, type ServiceAnalytics } from './service-analytics';

export interface RebuildProgress {
  spans: number;
  traces: number;
  buckets: number;
  phase: 'reading' | 'writing' | 'done';
}

export interface RebuildOptions {
  /** Called at most about once a second while running, and once at the end. */
  onProgress?(progress: RebuildProgress): void;
  retentionMs: number;
  now?: () => number;
}

const WRITE_BATCH = 1000;

export async function rebuildRollups(store: MongoTraceStore, analytics: ServiceAnalytics, options: RebuildOptions): Promise<RebuildProgress> {
  const now = options.now ?? Date.now;
  return store.withDb('rebuildRollups', async (db) => {
    await analytics.ensureIndexes(db);
    const buckets = new Map<string, BucketDelta>();
    const progress: RebuildProgress = { spans: 0, traces: 0, buckets: 0, phase: 'reading' };
    let lastReport = 0;
    const report = (force = false): void => {
      const t = Date.now();
      if (!force && t - lastReport < 1000) return;
      lastReport = t;
      progress.buckets = buckets.size;
      options.onProgress?.({ ...progress });
    };

    // Buckets that exist before the scan; those no stored span contributes to are deleted at the end. A bucket
    // ingest creates meanwhile is not among them, so it stays.
    const before = (await rollups(db).find({}, { projection: { _id: 1 }, batchSize: 10_000 }).toArray()).map((d) => d._id);
    const cursor = db.collection<SpanDoc>(Collections.spans).find({}, { batchSize: 5000 }).sort({ traceId: 1, spanId: 1 });
    let trace: SpanRecord[] = [];
    const flush = (): void => {
      if (trace.length === 0) return;
      for (const delta of rollupDeltas(trace, pairsWithin(trace))) merge(buckets, delta);
      progress.spans += trace.length;
      progress.traces += 1;
      trace = [];
      report();
    };
    for await (const doc of cursor) {
      if (trace.length > 0 && trace[0]!.traceId !== doc.traceId) flush();
      trace.push(fromSpanDoc(doc));
    }
    flush();

    progress.phase = 'writing';
    report(true);
    const written = await writeBuckets(db, buckets, new Date(now() + options.retentionMs));
    const stale = before.filter((id) => !written.has(id));
    for (let i = 0; i < stale.length; i += WRITE_BATCH) await rollups(db).deleteMany({ _id: { $in: stale.slice(i, i + WRITE_BATCH) } });
    progress.phase = 'done';
    report(true);
    return { ...progress, buckets: buckets.size };
  });
}

// Private: sums a batch's delta into the bucket with the same key.
function merge(buckets: Map<string, BucketDelta>, delta: BucketDelta): void {
  const id = bucketId(delta.key);
  const known = buckets.get(id);
  if (!known) {
    buckets.set(id, { ...delta, bins: new Map(delta.bins) });
    return;
  }
  known.calls += delta.calls;
  known.errors += delta.errors;
  known.sumUs += delta.sumUs;
  known.zeros += delta.zeros;
  known.minUs = Math.min(known.minUs, delta.minUs);
  known.maxUs = Math.max(known.maxUs, delta.maxUs);
  for (const [bin, count] of delta.bins) known.bins.set(bin, (known.bins.get(bin) ?? 0) + count);
}

// Private: each bucket document replaced whole (upsert), in unordered bulk writes; the ids written.
async function writeBuckets(db: Db, buckets: Map<string, BucketDelta>, expireAt: Date): Promise<Set<string>> {
  const docs = new Map<string, RollupDoc>();
  for (const d of buckets.values()) {
    const { docId, prefix } = bucketPlace(d.key);
    let doc = docs.get(docId);
    if (!doc) {
      doc = { _id: docId, ...documentHead(d.key), expireAt };
      docs.set(docId, doc);
    }
    // As ingest writes them: errors and zero durations only where there are some.
    const figures: Partial<RollupFigures> = {
      c: d.calls,
      ...(d.errors !== 0 ? { e: d.errors } : {}),
      d: d.sumUs,
      ...(d.zeros !== 0 ? { z: d.zeros } : {}),
      lo: d.minUs,
      hi: d.maxUs,
      b: Object.fromEntries([...d.bins].map(([bin, count]) => [String(bin), count])),
    };
    if (prefix === '') Object.assign(doc, figures);
    else (doc.o ??= {})[prefix.slice(2, -1)] = figures;
  }
  let ops: AnyBulkWriteOperation<RollupDoc>[] = [];
  for (const [id, doc] of docs) {
    ops.push({ replaceOne: { filter: { _id: id }, replacement: doc, upsert: true } });
    if (ops.length >= WRITE_BATCH) {
      await rollups(db).bulkWrite(ops, { ordered: false });
      ops = [];
    }
  }
  if (ops.length > 0) await rollups(db).bulkWrite(ops, { ordered: false });
  return new Set(docs.keys());
}
