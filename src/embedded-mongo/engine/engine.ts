/**
 * The store's state on LMDB and its single commit path. Every state change is an OplogOp; a command's writes run
 * through `write(fn)`: `fn` applies ops through a WriteUnit (each op at once, so later ops of the same command see
 * earlier ones). Writes queued in the same turn of the event loop run in one LMDB transaction (group commit): it
 * commits (all or nothing: a document is never on disk without its index entries), the commit is flushed to disk
 * (with a data directory), the commit listeners see the entries, and only then do the commands answer. A long
 * multi-statement command writes through `writeSliced`: its statements are applied in slices of a few
 * milliseconds, each committed with the other writes queued by then, so other connections are served between them.
 * A drop changes only the catalog; the dropped keys are removed afterwards in such slices (see reclaimStep).
 *
 * A transaction that cannot commit (disk full, file size limit, I/O error) writes nothing: the commands in it
 * answer OutOfDiskSpace (14031) or InternalError, the in-memory catalog is reloaded from disk, and the store goes
 * on serving reads and later writes.
 */
import { Binary, deserialize, Timestamp, type Document } from 'bson';
import type { Logger } from '../../log';
import { MongoCommandError } from '../errors';
import { BSON_DECODE_OPTIONS, bsonBytes, Collection, type CollectionHost } from './collection';
import { idPrefix, KeyWriter, prefixAfter } from './keys';
import type { EntryKey } from './index-store';
import type { CommitListener, OplogEntry, OplogOp } from './oplog';
import { Storage } from './storage';

/** How much committed history the oplog keeps (change streams read it). */
export interface OplogRetention {
  maxEntries: number;
  maxAgeMs: number;
}

export const DEFAULT_OPLOG_RETENTION: OplogRetention = { maxEntries: 100_000, maxAgeMs: 60 * 60 * 1000 };

/** A sliced write's step: applies ops through `unit` and answers true when the write is complete, false when it
 *  stopped at `deadline` (a `performance.now()` time) with more to apply in a later transaction. */
export type WriteStep = (unit: WriteUnit, deadline: number) => boolean;

interface PendingWrite {
  fn: (unit: WriteUnit, deadline: number) => unknown;
  /** A sliced write (see writeSliced): `fn` is its step. */
  sliced: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  result?: unknown;
  error?: unknown;
  failed?: boolean;
  /** A sliced write whose last step stopped early: it runs again in the next transaction. */
  more?: boolean;
  /** Transactions that committed slices of this write. */
  committedSlices: number;
  /** Sliced writes: this slice's length in ms, and `requests` when the previous slice ended. */
  sliceMs: number;
  /** Sliced writes: the length of a slice after another command arrived (the first slice's length). */
  baseSliceMs: number;
  requestsSeen: number;
  /** Settled (a failure rejected it): no further slices run. */
  settled?: boolean;
  entries: OplogEntry[];
}

/**
 * How long one slice of a sliced write (long insert, update and delete commands) applies ops before its
 * transaction commits and the event loop serves other connections; a slice applies at least one statement. Like
 * MongoDB yielding between the documents of a long write.
 */
export const WRITE_SLICE_MS = 2;
/** A sliced write's slices double (up to this) while no other command arrives between them. */
export const WRITE_SLICE_MAX_MS = 32;
/**
 * Background writes (an index build, the removal of a dropped collection's or index's keys, a TTL sweep) run in
 * slices at least this long (MongoDB's query yield period is 10 ms): each slice's commit is flushed to disk with a
 * data directory, so shorter slices would spend much of the work on flushes.
 */
export const BACKGROUND_SLICE_MS = 10;
/** Keys read and removed at once by a reclaim slice (it checks its deadline between such chunks). */
const RECLAIM_CHUNK = 2_000;
/** After a reclaim slice failed to commit, the next attempt waits at least this long. */
const RECLAIM_RETRY_MS = 5_000;

/**
 * A sliced write failed to commit after some of its slices had committed (and been flushed): those stay stored.
 * `committedSlices` says how many; `failure` is the error of the failed transaction.
 */
export class SlicedWriteFailure extends Error {
  constructor(
    readonly failure: MongoCommandError,
    readonly committedSlices: number,
  ) {
    super(failure.message);
  }
}

const META_STATE = Buffer.from('state');
/** Meta entry: the id prefixes released by drops whose keys are not all removed yet (see Engine.reclaimStep). */
const META_RECLAIM = Buffer.from('reclaim');

/** Keys under one 4-byte id prefix of the records or the index database that belong to nothing any more. */
interface Released {
  db: 'records' | 'index';
  id: number;
}

export class Engine implements CollectionHost {
  private readonly dbs = new Map<string, Map<string, Collection>>();
  private readonly listeners = new Set<CommitListener>();
  private readonly dirty = new Set<Collection>();
  private readonly droppedKeys: Buffer[] = [];
  private stamped: OplogEntry[] = [];
  /** An insert's document as stored (BSON), so its oplog entry does not encode it a second time. */
  private readonly insertBytes = new WeakMap<OplogEntry, Buffer>();
  /** An update's documents as stored before and after (BSON), likewise. */
  private readonly updateBytes = new WeakMap<OplogEntry, { before: Buffer; after: Buffer }>();
  private queue: PendingWrite[] = [];
  private scheduled = false;
  /** Commits are flushed and announced in order: each batch waits for the previous one's announcement. */
  private announced: Promise<void> = Promise.resolve();
  private seq = 0;
  private tsSeconds = 0;
  private tsIncrement = 0;
  private idCounter = 0;
  /** Newest oplog seq no longer stored (0 when none was ever trimmed), and its timestamp. */
  private floorSeq = 0;
  private floorTs = new Timestamp({ t: 0, i: 0 });
  /** The oldest stored oplog record's seq (a group's last) and wall time in ms, once read (see trimOplog). */
  private oldest: { seq: number; wallMs: number } | undefined;
  /** Each collection's catalog key. */
  private readonly catalogKeys = new WeakMap<Collection, Buffer>();
  private closed = false;
  /** close() has begun: index builds stop at their next slice and stay in the catalog, to resume at the next open. */
  private closing = false;
  retention: OplogRetention = DEFAULT_OPLOG_RETENTION;
  /** Commands received (the dispatcher counts them): a sliced write takes longer slices while none arrive. */
  requests = 0;
  /** Write transactions committed since open (each holds every write queued in one turn: group commit). */
  transactions = 0;
  /** Index builds running, by `db NUL collection NUL index name`: settles when the build is ready or failed. */
  private readonly builds = new Map<string, Promise<void>>();
  /**
   * Id prefixes whose keys a drop released, oldest first, persisted with the transaction that changes them: a drop
   * only changes the catalog, and the keys go in later slices (a large collection or index would otherwise hold
   * the store for seconds in one transaction). A stop leaves the rest for the next open.
   */
  private releasedIds: Released[] = [];
  /** The ids of `releasedIds`, for the scans' check (collection and index ids come from one counter). */
  private readonly releasedSet = new Set<number>();
  private releasedChanged = false;
  /** The sliced write removing released keys, while one runs. */
  private reclaiming: Promise<void> | undefined;
  /** No reclaim starts before this time (`Date.now()`) after one failed to commit. */
  private reclaimNotBefore = 0;

  private constructor(
    readonly storage: Storage,
    private readonly log?: Logger,
  ) {
    this.reload();
    // Keys of drops a stop interrupted are removed, then builds a stop or crash interrupted go on (see
    // Collection.fromCatalog for where each one's scan resumes).
    this.startReclaim();
    for (const coll of this.allCollections()) {
      if (coll.building.size === 0) continue;
      const names = [...coll.building.keys()];
      this.log?.info('resuming index builds interrupted by a stop or crash', { collection: coll.ns, indexes: names });
      void this.runBuild(coll.db, coll.name, coll.uuid.toHexString(), names).catch((err: unknown) => {
        this.log?.warn('an interrupted index build failed and was dropped', { collection: coll.ns, indexes: names, err });
      });
    }
  }

  /** Opens (or creates) the engine: in `dataDir`, or memory-only when it is undefined. */
  static open(dataDir?: string, log?: Logger): Engine {
    return new Engine(Storage.open(dataDir), log);
  }

  /** True when writes are durable (a data directory). */
  get durable(): boolean {
    return this.storage.durable;
  }

  /** Adds a listener that sees every committed unit's entries; returns the unsubscribe function. */
  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The last assigned `seq` (0 before any write). */
  get currentSeq(): number {
    return this.seq;
  }

  /** The last assigned oplog timestamp (or "now, increment 0" before any write): operationTime / clusterTime. */
  get latestTimestamp(): Timestamp {
    if (this.seq === 0 && this.tsSeconds === 0) return new Timestamp({ t: Math.floor(Date.now() / 1000), i: 0 });
    return new Timestamp({ t: this.tsSeconds, i: this.tsIncrement });
  }

  /**
   * Runs one command's writes: `fn` applies ops synchronously through the unit (later ops see earlier ones) and
   * must catch per-statement errors itself; then the applied ops are committed (durable with a data directory) and
   * handed to the commit listeners. Resolves to `fn`'s result once committed; rejects if the commit fails (the
   * write is then not acknowledged) or with `fn`'s own error after committing what it applied.
   */
  write<T>(fn: (unit: WriteUnit) => T): Promise<T> {
    return this.enqueue(fn, false) as Promise<T>;
  }

  /**
   * Runs a long write in slices: `step` applies ops until it is done (true) or until `deadline` has passed (false;
   * it must have applied something first), and is called again, in a later transaction, until it is done. Each
   * slice commits as a whole, with whatever other writes are queued then (so other connections' commands run
   * between slices), and its ops reach the commit listeners in commit order. Resolves once the last slice is
   * committed (durable with a data directory) and announced. If a slice cannot commit: rejects with the failure as
   * `write` does when no slice had committed, else with a SlicedWriteFailure (after the committed slices are
   * flushed) saying how many did.
   */
  writeSliced(step: WriteStep, sliceMs = WRITE_SLICE_MS): Promise<void> {
    return this.enqueue(step, true, sliceMs) as Promise<void>;
  }

  private enqueue(fn: (unit: WriteUnit, deadline: number) => unknown, sliced: boolean, sliceMs = WRITE_SLICE_MS): Promise<unknown> {
    if (this.closed) return Promise.reject(new MongoCommandError('InternalError', 'the store is shutting down'));
    return new Promise<unknown>((resolve, reject) => {
      this.queue.push({ fn, sliced, resolve, reject, entries: [], committedSlices: 0, sliceMs, baseSliceMs: sliceMs, requestsSeen: this.requests });
      this.schedule();
    });
  }

  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.runBatch());
    }
  }

  /**
   * createIndexes' build of `specs` (names not ready yet: one whose build already runs is waited for, not built
   * again; the collection is created if missing). On an empty collection the
   * indexes are created in one write. Otherwise the build does not block the store, as MongoDB's (4.2+): one write
   * registers the indexes as being built (every later write keeps their entries; queries do not use them), the
   * documents stored before are indexed in slices of a few milliseconds (`writeSliced`), each committed with the
   * writes queued by then, and a last write checks a unique index's suspected duplicates and makes the indexes
   * ready (the `createIndex` oplog entries). A failure (a duplicate, a key too long, the collection or one of the
   * indexes dropped: 276 IndexBuildAborted) removes what the build wrote and rejects. Resolves once ready.
   */
  async buildIndexes(db: string, coll: string, specs: readonly Document[]): Promise<void> {
    let uuid: string | undefined;
    const fresh: string[] = [];
    const joined: string[] = [];
    await this.write((unit) => {
      const existing = unit.ensureCollection(db, coll);
      // Another createIndexes of the same names may have registered them since this one looked.
      const todo = specs.filter((spec) => {
        const name = spec.name as string;
        if (existing.building.has(name)) joined.push(name);
        return !existing.indexes.has(name) && !existing.building.has(name);
      });
      if (todo.length === 0) return;
      if (existing.count === 0) {
        for (const spec of todo) unit.apply({ kind: 'createIndex', db, coll, spec });
        return;
      }
      existing.beginIndexBuild(todo);
      for (const spec of todo) fresh.push(spec.name as string);
      uuid = existing.uuid.toHexString();
    });
    const waits = joined.map((name) => this.resumeBuild(db, coll, name));
    if (uuid !== undefined && fresh.length > 0) waits.push(this.runBuild(db, coll, uuid, fresh));
    const results = await Promise.allSettled(waits);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** The running build of this index, if any (a createIndexes of the same spec waits for it). */
  indexBuild(db: string, coll: string, name: string): Promise<void> | undefined {
    return this.builds.get(buildKey(db, coll, name));
  }

  /**
   * Drives an index build registered in the collection's catalog (by buildIndexes, or found at open) to its end.
   * A building index without a running build (its driver failed to clean up, e.g. on a full disk) is taken up by
   * `resumeBuild`.
   */
  resumeBuild(db: string, coll: string, name: string): Promise<void> {
    const running = this.indexBuild(db, coll, name);
    if (running) return running;
    const collection = this.collection(db, coll);
    if (!collection?.building.has(name)) return Promise.resolve();
    return this.runBuild(db, coll, collection.uuid.toHexString(), [name]);
  }

  // Private: see buildIndexes; `uuid` tells the collection from a later one of the same name.
  private runBuild(db: string, coll: string, uuid: string, names: readonly string[]): Promise<void> {
    const run = this.driveBuild(db, coll, uuid, names);
    const settled = run.finally(() => {
      for (const name of names) if (this.builds.get(buildKey(db, coll, name)) === settled) this.builds.delete(buildKey(db, coll, name));
    });
    for (const name of names) this.builds.set(buildKey(db, coll, name), settled);
    return settled;
  }

  private async driveBuild(db: string, coll: string, uuid: string, names: readonly string[]): Promise<void> {
    const started = performance.now();
    // The collection and its builds, as they are now (a drop aborts the build; a failed transaction reloads the
    // catalog, so the objects are looked up again each time).
    const current = (): Collection => {
      if (this.closing) throw new MongoCommandError('InterruptedAtShutdown', `index build of ${names.join(', ')} on ${db}.${coll} interrupted at shutdown; it resumes at the next start`);
      const collection = this.collection(db, coll);
      if (!collection || collection.uuid.toHexString() !== uuid) {
        throw new MongoCommandError('IndexBuildAborted', `Index build aborted: collection ${db}.${coll} was dropped during the build of ${names.join(', ')}`);
      }
      const missing = names.find((name) => !collection.building.has(name));
      if (missing) throw new MongoCommandError('IndexBuildAborted', `Index build aborted: index ${missing} of ${db}.${coll} was dropped during its build`);
      return collection;
    };
    try {
      await this.writeSliced((_unit, deadline) => current().buildStep(names, deadline), BACKGROUND_SLICE_MS);
      await this.write((unit) => {
        const collection = current();
        for (const name of names) {
          const duplicate = collection.duplicateInBuild(name);
          if (duplicate) throw duplicate;
        }
        for (const name of names) unit.apply({ kind: 'createIndex', db, coll, spec: collection.building.get(name)!.index.spec });
      });
      this.log?.info('index build done', { collection: `${db}.${coll}`, indexes: names, ms: Math.round(performance.now() - started) });
    } catch (err) {
      const failure = err instanceof SlicedWriteFailure ? err.failure : err;
      // A stop leaves the build in the catalog: the next open resumes it.
      if (this.closing) throw failure;
      try {
        await this.write(() => {
          const collection = this.collection(db, coll);
          if (!collection || collection.uuid.toHexString() !== uuid) return;
          for (const name of names) if (collection.building.has(name)) collection.dropIndex(name);
        });
      } catch (cleanup) {
        this.log?.warn('could not remove a failed index build; the next createIndexes of it takes it up', { collection: `${db}.${coll}`, indexes: names, err: cleanup });
      }
      throw failure;
    }
  }

  databaseNames(): string[] {
    return [...this.dbs.keys()];
  }

  collections(db: string): Collection[] {
    return [...(this.dbs.get(db)?.values() ?? [])];
  }

  collection(db: string, name: string): Collection | undefined {
    return this.dbs.get(db)?.get(name);
  }

  /** Every collection (for the TTL sweep). */
  *allCollections(): Iterable<Collection> {
    for (const colls of this.dbs.values()) yield* colls.values();
  }

  /**
   * Committed oplog entries with seq > `afterSeq`, oldest first, at most `limit` (read from disk). An entry's
   * documents (an insert's `doc`, an update's `before` and `after`) are decoded when first read: a change stream
   * reads them only for the entries in its scope. An insert also carries its document's stored BSON (`bytes`).
   */
  oplogAfter(afterSeq: number, limit: number): OplogEntry[] {
    const out: OplogEntry[] = [];
    if (limit <= 0) return out;
    for (const { key, value } of this.storage.oplog.getRange({ start: seqKey(afterSeq + 1) })) {
      const headerBytes = value.readInt32LE(0);
      const header = deserialize(value.subarray(0, headerBytes), BSON_DECODE_OPTIONS);
      const op = header.op as OplogOp;
      if (typeof header.n === 'number') {
        readInsertGroup(value, headerBytes, header, readSeq(key), afterSeq, limit, out);
        if (out.length >= limit) break;
        continue;
      }
      // An insert's document follows its header, an update's documents before and after it (see persist).
      if (value.length > headerBytes && op.kind === 'insert') {
        const bytes = value.subarray(headerBytes);
        op.bytes = bytes;
        lazyDocument(op, 'doc', bytes);
      }
      if (value.length > headerBytes && op.kind === 'update') {
        const beforeEnd = headerBytes + value.readInt32LE(headerBytes);
        lazyDocument(op, 'before', value.subarray(headerBytes, beforeEnd));
        lazyDocument(op, 'after', value.subarray(beforeEnd));
      }
      out.push({ seq: readSeq(key), ts: header.ts as Timestamp, wallTime: header.wallTime as Date, op });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The newest seq no longer in the oplog and its timestamp (entries after it can be read; seq 0 when nothing
   *  was trimmed). */
  get oplogFloor(): { seq: number; ts: Timestamp } {
    return { seq: this.floorSeq, ts: this.floorTs };
  }

  /** @internal CollectionHost: ids for collections and indexes. */
  nextId(): number {
    this.idCounter += 1;
    return this.idCounter;
  }

  /** @internal CollectionHost: a collection changed in the running transaction. */
  touched(coll: Collection): void {
    this.dirty.add(coll);
  }

  /** @internal CollectionHost: a drop in the running transaction released the keys under this id prefix. */
  release(db: 'records' | 'index', id: number): void {
    this.releasedIds.push({ db, id });
    this.releasedSet.add(id);
    this.releasedChanged = true;
  }

  /** @internal CollectionHost: whether the keys under this id prefix are released and not all removed yet. */
  released(id: number): boolean {
    return this.releasedSet.size > 0 && this.releasedSet.has(id);
  }

  /** Id prefixes released by drops whose keys are not all removed yet (for tests and diagnostics). */
  get pendingReclaim(): number {
    return this.releasedIds.length;
  }

  /** Settles once the released keys known now are removed (or their removal failed and waits for a retry). */
  async reclaimed(): Promise<void> {
    while (this.reclaiming) await this.reclaiming;
  }

  /** @internal WriteUnit's path: apply, then stamp the entry. */
  applyAndStamp(op: OplogOp, hint?: ApplyHint): OplogEntry {
    const stored = this.apply(op, hint);
    const docBytes = Buffer.isBuffer(stored) ? stored : undefined;
    if (hint?.inPlace && op.kind === 'update' && stored && !Buffer.isBuffer(stored)) lazyDocument(op, 'before', stored.before);
    // An insert given as its BSON may carry only the fields its indexes read: its entry decodes the whole document
    // from the stored bytes when something (a change stream) reads it.
    const logged: OplogOp = op.kind === 'insert' && op.bytes && docBytes ? lazyInsert(op.db, op.coll, docBytes) : op;
    const entry = { seq: ++this.seq, ts: this.nextTimestamp(), wallTime: new Date(), op: logged };
    this.stamped.push(entry);
    if (docBytes) this.insertBytes.set(entry, docBytes);
    else if (stored && !Buffer.isBuffer(stored)) this.updateBytes.set(entry, stored);
    return entry;
  }

  /**
   * Applies imported ops (conversion of an old data directory) in one transaction, without listeners or oplog
   * entries, and moves the clock to `position` if given. The caller awaits `storage.flushed()` at the end.
   */
  importOpsSync(ops: readonly OplogOp[], position?: { seq: number; ts: Timestamp }): void {
    this.storage.transact(() => {
      for (const op of ops) this.apply(op);
      if (position) {
        this.seq = Math.max(this.seq, position.seq);
        this.tsSeconds = position.ts.high;
        this.tsIncrement = position.ts.low;
        // Nothing before the converted position is in the oplog: streams cannot resume from before it.
        this.floorSeq = position.seq;
        this.floorTs = position.ts;
      }
      this.persist([]);
    });
  }

  /** Waits for queued writes, then closes the environment (memory-only: deletes it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    while (this.queue.length > 0 || this.scheduled) await new Promise((r) => setImmediate(r));
    await this.announced.catch(() => undefined);
    this.closed = true;
    await this.storage.close();
  }

  // Private: one transaction for every write queued since the last batch.
  private runBatch(): void {
    this.scheduled = false;
    const batch = this.queue.filter((p) => !p.settled);
    this.queue = [];
    if (batch.length === 0) return;
    try {
      this.storage.transact(() => {
        for (const pending of batch) {
          const unit = new WriteUnit(this);
          if (pending.sliced && pending.committedSlices > 0) {
            // Nobody else asked for anything since the previous slice: a longer one costs no one a wait.
            pending.sliceMs = pending.requestsSeen === this.requests ? Math.min(pending.sliceMs * 2, WRITE_SLICE_MAX_MS) : pending.baseSliceMs;
          }
          try {
            const result = pending.fn(unit, performance.now() + pending.sliceMs);
            if (pending.sliced) pending.more = result === false;
            else pending.result = result;
          } catch (err) {
            pending.error = err;
            pending.failed = true;
            pending.more = false;
          }
          pending.entries = unit.entries;
        }
        this.persist(this.stamped);
      });
      this.transactions += 1;
    } catch (err) {
      this.stamped = [];
      this.dirty.clear();
      this.droppedKeys.length = 0;
      this.reload();
      const failure = commitFailure(err);
      this.log?.error('write transaction not committed; nothing of it was written', { err, code: failure.code, writes: batch.length });
      const previous = this.announced;
      for (const pending of batch) {
        pending.settled = true;
        if (pending.committedSlices === 0) pending.reject(failure);
        // Earlier slices are stored: the command reports them once they are flushed.
        else void previous.then(() => pending.reject(new SlicedWriteFailure(failure, pending.committedSlices)));
      }
      return;
    }
    this.stamped = [];
    if (this.releasedIds.length > 0) this.startReclaim();
    const entries = batch.flatMap((p) => p.entries);
    // Sliced writes with more to apply go on in the next transaction, after what is queued by then.
    const unfinished = batch.filter((p) => p.more);
    for (const pending of unfinished) {
      pending.more = false;
      pending.committedSlices += 1;
      pending.requestsSeen = this.requests;
    }
    if (unfinished.length > 0) {
      this.queue = [...unfinished, ...this.queue];
      this.schedule();
    }
    const finished = unfinished.length === 0 ? batch : batch.filter((p) => !unfinished.includes(p));
    const previous = this.announced;
    const done = (async () => {
      await previous.catch(() => undefined);
      await this.storage.flushed();
      await this.notify(entries);
    })();
    this.announced = done.catch(() => undefined);
    done.then(
      () => {
        for (const pending of finished) {
          if (pending.failed) pending.reject(pending.error);
          else pending.resolve(pending.result);
        }
      },
      (err) => {
        const failure = err instanceof MongoCommandError ? err : commitFailure(err);
        for (const pending of batch) {
          pending.settled = true;
          pending.reject(failure);
        }
      },
    );
  }

  // Private: hands a batch's entries to every listener; rejects if any listener does.
  private async notify(entries: readonly OplogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const pending: Promise<void>[] = [];
    for (const listener of this.listeners) {
      try {
        const r = listener(entries);
        if (r) pending.push(r);
      } catch (err) {
        pending.push(Promise.reject(err));
      }
    }
    if (pending.length === 0) return;
    const results = await Promise.allSettled(pending);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      const reason = failed.reason instanceof Error ? failed.reason.message : String(failed.reason);
      throw new MongoCommandError('InternalError', `write committed but a commit listener failed: ${reason}`);
    }
  }

  // Private: inside the transaction: catalog entries of changed collections, the clock, the oplog.
  private persist(entries: readonly OplogEntry[]): void {
    const { catalog, meta, oplog } = this.storage;
    for (const key of this.droppedKeys) catalog.removeSync(key);
    this.droppedKeys.length = 0;
    for (const coll of this.dirty) {
      if (this.collection(coll.db, coll.name) !== coll) continue;
      let key = this.catalogKeys.get(coll);
      if (!key) this.catalogKeys.set(coll, (key = catalogKey(coll.db, coll.name)));
      catalog.putSync(key, bsonBytes(coll.toCatalog()));
    }
    this.dirty.clear();
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const doc = this.insertBytes.get(entry);
      this.insertBytes.delete(entry);
      const docs = doc ? undefined : this.updateBytes.get(entry);
      const run = doc ? this.insertRun(entries, i, doc) : 1;
      if (run > 1) {
        oplog.putSync(seqKey(entries[i + run - 1]!.seq), this.insertGroup(entries, i, run, doc!));
        i += run - 1;
      } else if (doc && entry.op.kind === 'insert') {
        // An insert's entry: the header without the document, then the document's stored BSON.
        const { kind, db, coll } = entry.op;
        oplog.putSync(seqKey(entry.seq), Buffer.concat([bsonBytes({ ts: entry.ts, wallTime: entry.wallTime, op: { kind, db, coll } }), doc]));
      } else if (docs && entry.op.kind === 'update') {
        // An update's entry: the header without the documents, then their stored BSON before and after.
        this.updateBytes.delete(entry);
        const { kind, db, coll, replace } = entry.op;
        oplog.putSync(seqKey(entry.seq), Buffer.concat([bsonBytes({ ts: entry.ts, wallTime: entry.wallTime, op: { kind, db, coll, replace } }), docs.before, docs.after]));
      } else {
        oplog.putSync(seqKey(entry.seq), bsonBytes({ ts: entry.ts, wallTime: entry.wallTime, op: entry.op }));
      }
    }
    this.trimOplog();
    if (this.releasedChanged) {
      if (this.releasedIds.length > 0) meta.putSync(META_RECLAIM, bsonBytes({ released: this.releasedIds }));
      else meta.removeSync(META_RECLAIM);
      this.releasedChanged = false;
    }
    meta.putSync(META_STATE, bsonBytes({ seq: this.seq, ts: new Timestamp({ t: this.tsSeconds, i: this.tsIncrement }), ids: this.idCounter, floorSeq: this.floorSeq, floorTs: this.floorTs }));
  }

  // Private: how many entries from `entries[from]` on (an insert of `firstBytes`) are inserts into the same
  // collection with stored bytes, at most OPLOG_GROUP_MAX of them and OPLOG_GROUP_MAX_BYTES of documents (beyond
  // the first): they make one oplog record (see insertGroup).
  private insertRun(entries: readonly OplogEntry[], from: number, firstBytes: Buffer): number {
    const first = entries[from]!.op;
    if (first.kind !== 'insert') return 1;
    let n = 1;
    let bytes = firstBytes.length;
    while (n < OPLOG_GROUP_MAX && from + n < entries.length) {
      const next = entries[from + n]!;
      const op = next.op;
      const doc = this.insertBytes.get(next);
      if (op.kind !== 'insert' || op.db !== first.db || op.coll !== first.coll || !doc || bytes + doc.length > OPLOG_GROUP_MAX_BYTES) break;
      bytes += doc.length;
      n++;
    }
    return n;
  }

  // Private: the oplog record of `n` consecutive inserts into one collection (seqs entries[from].seq ..
  // entries[from + n - 1].seq, keyed by the last): a header with the last entry's ts and wallTime (what trimming
  // reads), the count `n` and each entry's own ts and wallTime packed in `times`, then each document's stored BSON.
  private insertGroup(entries: readonly OplogEntry[], from: number, n: number, firstDoc: Buffer): Buffer {
    const times = Buffer.allocUnsafe(n * GROUP_TIME_BYTES);
    const parts: Buffer[] = [EMPTY_BUFFER, firstDoc];
    for (let k = 0; k < n; k++) {
      const entry = entries[from + k]!;
      times.writeUInt32LE(entry.ts.high, k * GROUP_TIME_BYTES);
      times.writeUInt32LE(entry.ts.low, k * GROUP_TIME_BYTES + 4);
      times.writeDoubleLE(entry.wallTime.getTime(), k * GROUP_TIME_BYTES + 8);
      if (k > 0) {
        parts.push(this.insertBytes.get(entry)!);
        this.insertBytes.delete(entry);
      }
    }
    const last = entries[from + n - 1]!;
    const { db, coll } = last.op as { db: string; coll: string };
    parts[0] = bsonBytes({ ts: last.ts, wallTime: last.wallTime, op: { kind: 'insert', db, coll }, n, times: new Binary(times) });
    return Buffer.concat(parts);
  }

  // Private: drops the oldest oplog entries beyond the retention (a bounded amount per commit). The oldest record
  // kept is remembered, so a commit with nothing to trim reads nothing (records are only added after it, and only
  // trimming removes one; a failed transaction forgets it, see reload).
  private trimOplog(): void {
    const { oplog } = this.storage;
    const countFloor = this.seq - this.retention.maxEntries;
    const cutoff = Date.now() - this.retention.maxAgeMs;
    const oldest = this.oldest;
    if (oldest && oldest.seq > countFloor && oldest.wallMs >= cutoff) return;
    this.oldest = undefined;
    let budget = 10_000;
    for (const { key, value } of oplog.getRange({ start: seqKey(0), limit: budget })) {
      const seq = readSeq(key);
      const entry = deserialize(value.subarray(0, value.readInt32LE(0)), { promoteValues: true });
      const wallMs = (entry.wallTime as Date).getTime();
      if (seq > countFloor && wallMs >= cutoff) {
        this.oldest = { seq, wallMs };
        break;
      }
      oplog.removeSync(key);
      this.floorSeq = seq;
      this.floorTs = entry.ts as Timestamp;
      if (--budget === 0) break;
    }
  }

  // Private: the in-memory catalog and clock from disk (at open, and after a failed transaction).
  private reload(): void {
    this.dbs.clear();
    this.oldest = undefined;
    const state = this.storage.meta.get(META_STATE);
    if (state) {
      const s = deserialize(state, { promoteLongs: true });
      this.seq = s.seq as number;
      const ts = s.ts as Timestamp;
      this.tsSeconds = ts.high;
      this.tsIncrement = ts.low;
      this.idCounter = s.ids as number;
      this.floorSeq = (s.floorSeq as number | undefined) ?? 0;
      this.floorTs = (s.floorTs as Timestamp | undefined) ?? new Timestamp({ t: 0, i: 0 });
    }
    const released = this.storage.meta.get(META_RECLAIM);
    this.releasedIds = released ? (deserialize(released, { promoteLongs: true }).released as Released[]) : [];
    this.releasedSet.clear();
    for (const r of this.releasedIds) this.releasedSet.add(r.id);
    this.releasedChanged = false;
    for (const { value } of this.storage.catalog.getRange({})) {
      const coll = Collection.fromCatalog(this, deserialize(value, BSON_DECODE_OPTIONS));
      let colls = this.dbs.get(coll.db);
      if (!colls) this.dbs.set(coll.db, (colls = new Map()));
      colls.set(coll.name, coll);
    }
  }

  // Private: the one place state changes; an insert returns the document's stored BSON, an update the stored BSON
  // before and after.
  private apply(op: OplogOp, hint?: ApplyHint): Buffer | { before: Buffer; after: Buffer } | undefined {
    switch (op.kind) {
      case 'insert':
        return this.ensure(op.db, op.coll).insert(op.doc, op.bytes, hint?.absentIdKey);
      case 'update':
        return this.require(op.db, op.coll).replace(op.after, hint?.changedPaths ? { before: op.before, changedPaths: hint.changedPaths, inPlace: hint.inPlace } : undefined);
      case 'delete':
        this.collection(op.db, op.coll)?.remove(op.doc);
        return;
      case 'createCollection':
        this.ensure(op.db, op.coll, op.options);
        return;
      case 'dropCollection':
        this.dropCollection(op.db, op.coll);
        return;
      case 'renameCollection':
        this.renameCollection(op.db, op.coll, op.toDb, op.toColl);
        return;
      case 'modifyIndex':
        this.require(op.db, op.coll).modifyIndex(op.name, op.expireAfterSeconds);
        return;
      case 'modifyCollection':
        this.require(op.db, op.coll).modify(op.options);
        return;
      case 'createIndex':
        this.ensure(op.db, op.coll).addIndex(op.spec);
        return;
      case 'dropIndex':
        this.collection(op.db, op.coll)?.dropIndex(op.name);
        return;
      case 'dropDatabase':
        for (const coll of this.collections(op.db)) this.dropCollection(op.db, coll.name);
        return;
      default: {
        const never: never = op;
        throw new Error(`unknown oplog op ${JSON.stringify(never)}`);
      }
    }
  }

  // Private: starts removing the released keys in slices unless that runs already, the store is closing, or a
  // failed attempt asks to wait; each slice commits with the writes queued by then.
  private startReclaim(): void {
    if (this.reclaiming || this.closing || this.releasedIds.length === 0 || Date.now() < this.reclaimNotBefore) return;
    const started = performance.now();
    const run = this.writeSliced((_unit, deadline) => this.reclaimStep(deadline), BACKGROUND_SLICE_MS);
    this.reclaiming = run.then(
      () => {
        this.reclaiming = undefined;
        // A stop ends the run early: what is left is removed after the next open.
        if (this.releasedIds.length === 0) this.log?.debug('removed the keys of dropped collections or indexes', { ms: Math.round(performance.now() - started) });
      },
      (err: unknown) => {
        this.reclaiming = undefined;
        this.reclaimNotBefore = Date.now() + RECLAIM_RETRY_MS;
        this.log?.warn('could not remove the keys of a dropped collection or index; they take disk space until a later write retries', { err, pending: this.releasedIds.length });
      },
    );
  }

  // Private: inside a transaction, removes released keys, oldest release first, until they are all gone (true) or
  // `deadline` has passed (false, having removed some). Closing: stops at once, what is left stays recorded.
  private reclaimStep(deadline: number): boolean {
    while (this.releasedIds.length > 0) {
      if (this.closing) return true;
      const { db, id } = this.releasedIds[0]!;
      const store = db === 'records' ? this.storage.records : this.storage.index;
      const prefix = idPrefix(id);
      const keys = [...store.getKeys({ start: prefix, end: prefixAfter(prefix), limit: RECLAIM_CHUNK })];
      for (const key of keys) store.removeSync(key);
      if (keys.length < RECLAIM_CHUNK) {
        this.releasedIds.shift();
        this.releasedSet.delete(id);
        this.releasedChanged = true;
      }
      if (performance.now() >= deadline) return this.releasedIds.length === 0;
    }
    return true;
  }

  private dropCollection(db: string, name: string): void {
    const colls = this.dbs.get(db);
    const coll = colls?.get(name);
    if (!colls || !coll) return;
    coll.destroy();
    colls.delete(name);
    if (colls.size === 0) this.dbs.delete(db);
    this.dirty.delete(coll);
    this.droppedKeys.push(catalogKey(db, name));
  }

  // Private: the catalog entry moves to the new name; the data keep their collection id, so nothing is copied.
  private renameCollection(db: string, name: string, toDb: string, toName: string): void {
    const coll = this.require(db, name);
    if (coll.building.size > 0) {
      throw new MongoCommandError('BackgroundOperationInProgressForNamespace', `cannot perform operation: an index build is currently running for collection ${db}.${name}`);
    }
    if (this.collection(toDb, toName)) throw new MongoCommandError('NamespaceExists', `target namespace exists: ${toDb}.${toName}`);
    const moved = Collection.fromCatalog(this, { ...coll.toCatalog(), db: toDb, name: toName });
    const colls = this.dbs.get(db)!;
    colls.delete(name);
    if (colls.size === 0) this.dbs.delete(db);
    this.dirty.delete(coll);
    this.droppedKeys.push(catalogKey(db, name));
    let target = this.dbs.get(toDb);
    if (!target) this.dbs.set(toDb, (target = new Map()));
    target.set(toName, moved);
    this.touched(moved);
  }

  private ensure(db: string, name: string, options: Document = {}): Collection {
    let colls = this.dbs.get(db);
    if (!colls) this.dbs.set(db, (colls = new Map()));
    let coll = colls.get(name);
    if (!coll) colls.set(name, (coll = Collection.create(this, db, name, options)));
    return coll;
  }

  private require(db: string, name: string): Collection {
    const coll = this.collection(db, name);
    if (!coll) throw new MongoCommandError('NamespaceNotFound', `ns does not exist: ${db}.${name}`);
    return coll;
  }

  // Private: {t: seconds, i: increment}, strictly increasing even if the wall clock steps back.
  private nextTimestamp(): Timestamp {
    const now = Math.floor(Date.now() / 1000);
    if (now > this.tsSeconds) {
      this.tsSeconds = now;
      this.tsIncrement = 1;
    } else {
      this.tsIncrement += 1;
    }
    return new Timestamp({ t: this.tsSeconds, i: this.tsIncrement });
  }
}

/**
 * The ops of one command, inside the engine's write transaction. `apply` changes state at once (and throws without
 * changing anything if the op is invalid, e.g. a duplicate key).
 */
export class WriteUnit {
  readonly entries: OplogEntry[] = [];

  constructor(private readonly engine: Engine) {}

  apply(op: OplogOp, hint?: ApplyHint): void {
    this.entries.push(this.engine.applyAndStamp(op, hint));
  }

  /** The collection, created (with a createCollection op) if it does not exist yet. */
  ensureCollection(db: string, name: string): Collection {
    const existing = this.engine.collection(db, name);
    if (existing) return existing;
    this.apply({ kind: 'createCollection', db, coll: name, options: {} });
    return this.engine.collection(db, name)!;
  }

  get size(): number {
    return this.entries.length;
  }
}

/**
 * What the writer of an op knows that saves the engine work; never stored. `changedPaths` (updates): the only
 * paths whose values differ between `before` (the stored document) and `after`, so only indexes on them change.
 * `absentIdKey` (inserts): `Collection.absentIds` answered this document in the running transaction, so the insert
 * skips its own `_id` lookup; it is the `_id`'s entry key absentIds built.
 */
export interface ApplyHint {
  readonly changedPaths?: readonly string[];
  readonly absentIdKey?: EntryKey;
  /** An update (with `changedPaths`) made by changing the decoded stored document in place: the op's `before` is
   *  that same object, now `after`. The document as it was is read from its stored bytes where needed (the old
   *  index keys, and the op's `before`, decoded when something such as a change stream reads it). */
  readonly inPlace?: boolean;
}

// Private: an insert op whose document is decoded from `bytes` on first read (the bytes are held until then; for
// an insert from the wire they are a view of the request that carried it). `bytes` is the document as stored, so a
// change stream can copy it into an event without decoding it.
function lazyInsert(db: string, coll: string, bytes: Buffer): Extract<OplogOp, { kind: 'insert' }> {
  return new LazyInsert(db, coll, bytes);
}

// Private: see lazyInsert; `doc` is a getter of the class (an accessor made per op costs a closure and a
// dictionary-mode object for every inserted document).
class LazyInsert {
  readonly kind = 'insert' as const;
  private decoded: Document | undefined = undefined;

  constructor(
    readonly db: string,
    readonly coll: string,
    public bytes: Buffer,
  ) {}

  get doc(): Document {
    this.decoded ??= deserialize(this.bytes, BSON_DECODE_OPTIONS);
    return this.decoded;
  }
}

// Private: `op[field]` decodes `bytes` when first read (the bytes are the record's own copy, read from disk).
function lazyDocument(op: OplogOp, field: 'doc' | 'before' | 'after', bytes: Buffer): void {
  let doc: Document | undefined;
  Object.defineProperty(op, field, {
    get: (): Document => (doc ??= deserialize(bytes, BSON_DECODE_OPTIONS)),
    enumerable: true,
    configurable: true,
  });
}

/** Most inserts one oplog record holds, and most bytes of documents (see Engine.insertGroup). */
const OPLOG_GROUP_MAX = 256;
const OPLOG_GROUP_MAX_BYTES = 16 * 1024 * 1024;
/** Per entry of an insert group: ts seconds and increment (u32 each), wallTime in ms (f64). */
const GROUP_TIME_BYTES = 16;
const EMPTY_BUFFER = Buffer.alloc(0);

// Private: the entries of an insert group record (see Engine.insertGroup) with seq > `afterSeq`, appended to `out`
// until it holds `limit`.
function readInsertGroup(value: Buffer, headerBytes: number, header: Document, lastSeq: number, afterSeq: number, limit: number, out: OplogEntry[]): void {
  const n = header.n as number;
  const { db, coll } = header.op as { db: string; coll: string };
  const timesBin = header.times as Binary;
  const times = Buffer.from(timesBin.buffer.buffer, timesBin.buffer.byteOffset, timesBin.buffer.byteLength);
  let offset = headerBytes;
  for (let k = 0; k < n && out.length < limit; k++) {
    const size = value.readInt32LE(offset);
    const seq = lastSeq - n + 1 + k;
    if (seq > afterSeq) {
      const ts = new Timestamp({ t: times.readUInt32LE(k * GROUP_TIME_BYTES), i: times.readUInt32LE(k * GROUP_TIME_BYTES + 4) });
      const wallTime = new Date(times.readDoubleLE(k * GROUP_TIME_BYTES + 8));
      const bytes = value.subarray(offset, offset + size);
      const op = lazyInsert(db, coll, bytes);
      op.bytes = bytes;
      out.push({ seq, ts, wallTime, op });
    }
    offset += size;
  }
}

/** The error a command answers when its transaction could not be committed. */
function commitFailure(err: unknown): MongoCommandError {
  if (err instanceof MongoCommandError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown }).code;
  // ENOSPC / EFBIG / EIO from the commit's writes, MDB_MAP_FULL (-30792): the disk cannot take the write.
  if (/ENOSPC|EFBIG|No space|File too large|Input\/output error|MDB_MAP_FULL|mapsize/i.test(message) || code === 28 || code === 27 || code === 5 || code === -30792) {
    return new MongoCommandError('OutOfDiskSpace', `write not committed: the data directory's disk refused it (${message}); nothing of this write was stored`);
  }
  return new MongoCommandError('InternalError', `write not committed: ${message}; nothing of this write was stored`);
}

function buildKey(db: string, coll: string, name: string): string {
  return `${db}\u0000${coll}\u0000${name}`;
}

function catalogKey(db: string, coll: string): Buffer {
  return Buffer.from(`${db}\u0000${coll}`, 'utf8');
}

function seqKey(seq: number): Buffer {
  const w = new KeyWriter();
  w.u64(seq);
  return w.toBuffer();
}

function readSeq(key: Buffer): number {
  return key.readUInt32BE(0) * 0x1_0000_0000 + key.readUInt32BE(4);
}
