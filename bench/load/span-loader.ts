/**
 * Loading many span documents into the store through the driver and looking them up again, for the store
 * scenarios (P7 in memory, P8 with a data directory): a loader that times `insertMany` per chunk next to its
 * floor, and timed lookups of a random loaded trace.
 */
import { serialize } from 'bson';
import type { Collection } from 'mongodb';
import { Prng } from '../../src/demo';
import { msSince, percentile } from '../harness/stats';
import type { RunOptions } from '../harness/types';
import type { SpanDoc, SpanDocStream } from './span-docs';

export const LOAD_BATCH = 1000;

/** A store scenario's sizes: documents at the small and the large size, lookup runs, and the loading budget. */
export interface ScaleSizes {
  small: number;
  large: number;
  runs: number;
  lookupsPerRun: number;
  warmup: number;
  loadBudgetMs: number;
}

/**
 * Loads in batches of 1,000 (`insertMany`, ordered), timing each chunk of about a tenth of the way (so the
 * reported rate is a median of several chunks); the floor is what any ingest must do per document, timed on the
 * same documents: `JSON.parse` of its JSON text and BSON `serialize`. Stops early when its time budget is spent.
 */
export class SpanDocLoader {
  loaded = 0;
  floorMs = 0;
  floorDocs = 0;
  bsonBytes = 0;
  private minStart = Infinity;
  private maxStart = -Infinity;
  readonly chunkRates: number[] = [];
  private readonly started = process.hrtime.bigint();

  constructor(
    private readonly coll: Collection<SpanDoc>,
    private readonly stream: SpanDocStream,
    private readonly options: RunOptions,
    private readonly budgetMs: number,
    /** Progress lines start with it, e.g. the scenario id. */
    private readonly label: string,
  ) {}

  async loadTo(target: number): Promise<void> {
    const chunkDocs = Math.max(LOAD_BATCH, Math.floor((target - this.loaded) / 10 / LOAD_BATCH) * LOAD_BATCH);
    while (this.loaded < target) {
      if (msSince(this.started) > this.budgetMs) return;
      const chunkTarget = Math.min(target, this.loaded + chunkDocs);
      let insertMs = 0;
      let inserted = 0;
      while (this.loaded < chunkTarget) {
        const docs = this.stream.take(Math.min(LOAD_BATCH, chunkTarget - this.loaded));
        this.floor(docs);
        const t0 = process.hrtime.bigint();
        await this.coll.insertMany(docs, { ordered: true });
        insertMs += msSince(t0);
        inserted += docs.length;
        this.loaded += docs.length;
      }
      this.chunkRates.push(inserted / (insertMs / 1000));
      this.options.progress(`${this.label} loaded ${fmtCount(this.loaded)} docs (${Math.round(inserted / (insertMs / 1000))} docs/s)`);
    }
  }

  /** Documents per second the floor handles. */
  floorDocsPerSec(): number {
    return this.floorDocs / (this.floorMs / 1000);
  }

  /** The loaded documents' startTime range (ms). */
  timeSpan(): { from: number; to: number } {
    return { from: this.minStart, to: this.maxStart };
  }

  private floor(docs: readonly SpanDoc[]): void {
    const texts = docs.map((d) => JSON.stringify(d));
    const t0 = process.hrtime.bigint();
    let bytes = 0;
    for (let i = 0; i < docs.length; i++) {
      JSON.parse(texts[i]!);
      bytes += serialize(docs[i]!).length;
    }
    this.floorMs += msSince(t0);
    this.floorDocs += docs.length;
    this.bsonBytes += bytes;
    for (const d of docs) {
      const t = d.startTime.getTime();
      if (t < this.minStart) this.minStart = t;
      if (t > this.maxStart) this.maxStart = t;
    }
  }
}

/** One lookup of a random loaded trace (`find({traceId}).toArray()`), in microseconds; it must find at least one span. */
export function lookupRunner(coll: Collection<SpanDoc>, traceIds: readonly string[], label: string): () => Promise<number> {
  const rng = new Prng(label);
  // The last id may straddle the unloaded remainder; every earlier trace has at least its first span stored.
  const known = traceIds.slice(0, Math.max(1, traceIds.length - 1));
  return async () => {
    const id = rng.pick(known);
    const t0 = process.hrtime.bigint();
    const found = await coll.find({ traceId: id }).toArray();
    const us = msSince(t0) * 1000;
    if (found.length === 0) throw new Error(`lookup of loaded trace ${id} (${label}) found no spans: the store lost data or the index is wrong`);
    return us;
  };
}

/** p50 and p99 of `n` sequential calls. */
export async function timedRun(once: () => Promise<number>, n: number): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(await once());
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** 1M, 10k, 500. */
export function fmtCount(n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n);
}
