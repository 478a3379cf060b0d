/**
 * The store's in-memory state and its single commit path. Every state change is an OplogOp; a command applies its
 * ops through a WriteUnit (each op is applied at once, so later ops of the same command see earlier ones) and then
 * commits, which stamps nothing new but hands the unit's entries to every commit listener and waits for them.
 *
 * If a listener rejects, the ops STAY applied in memory (other clients may already have read them) but the
 * command answers an error, so the write is not acknowledged; after a restart from the journal they may be absent.
 */
import { Timestamp, type Document } from 'bson';
import { MongoCommandError } from '../errors';
import { Collection } from './collection';
import type { CommitListener, OplogEntry, OplogOp } from './oplog';

export class Engine {
  private readonly dbs = new Map<string, Map<string, Collection>>();
  private readonly listeners = new Set<CommitListener>();
  private seq = 0;
  private tsSeconds = 0;
  private tsIncrement = 0;

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

  /** After a replay from a journal: continue `seq` and `ts` after the last replayed entry's, never below. */
  advanceClock(seq: number, ts: Timestamp): void {
    if (seq > this.seq) this.seq = seq;
    const t = ts.high;
    const i = ts.low;
    if (t > this.tsSeconds || (t === this.tsSeconds && i > this.tsIncrement)) {
      this.tsSeconds = t;
      this.tsIncrement = i;
    }
  }

  /** Applies an op without notifying listeners (start-up replay from a journal or snapshot). */
  replay(op: OplogOp): void {
    this.apply(op);
  }

  /** The whole state as ops: per collection createCollection, its createIndex ops, then inserts. */
  *dump(): Iterable<OplogOp> {
    for (const [db, colls] of this.dbs) {
      for (const [name, coll] of colls) {
        yield { kind: 'createCollection', db, coll: name, options: coll.options };
        for (const index of coll.indexes.values()) yield { kind: 'createIndex', db, coll: name, spec: index.spec };
        for (const doc of coll.docs.values()) yield { kind: 'insert', db, coll: name, doc };
      }
    }
  }

  /**
   * Runs one command's writes: `fn` applies ops synchronously through the unit (later ops see earlier ones) and
   * must catch per-statement errors itself; then the applied ops are committed (durable with a data directory) and
   * handed to the commit listeners. Resolves to `fn`'s result once committed; rejects if the commit fails (the
   * write is then not acknowledged) or with `fn`'s own error after committing what it applied.
   */
  async write<T>(fn: (unit: WriteUnit) => T): Promise<T> {
    const unit = new WriteUnit(this);
    let result: T;
    try {
      result = fn(unit);
    } catch (err) {
      await unit.commit();
      throw err;
    }
    await unit.commit();
    return result;
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

  /** @internal WriteUnit's path: apply, then stamp the entry. */
  applyAndStamp(op: OplogOp): OplogEntry {
    this.apply(op);
    return { seq: ++this.seq, ts: this.nextTimestamp(), wallTime: new Date(), op };
  }

  /** @internal Hands a unit's entries to every listener; rejects if any listener does. */
  async notify(entries: readonly OplogEntry[]): Promise<void> {
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
      throw new MongoCommandError('InternalError', `write applied in memory but not committed (not durable): ${reason}`);
    }
  }

  // Private: the one place state changes.
  private apply(op: OplogOp): void {
    switch (op.kind) {
      case 'insert':
        this.ensure(op.db, op.coll).insert(op.doc);
        return;
      case 'update':
        this.require(op.db, op.coll).replace(op.after);
        return;
      case 'delete':
        this.collection(op.db, op.coll)?.remove(op.doc);
        return;
      case 'createCollection':
        this.ensure(op.db, op.coll, op.options);
        return;
      case 'dropCollection': {
        const colls = this.dbs.get(op.db);
        colls?.delete(op.coll);
        if (colls && colls.size === 0) this.dbs.delete(op.db);
        return;
      }
      case 'createIndex':
        this.ensure(op.db, op.coll).addIndex(op.spec);
        return;
      case 'dropIndex':
        this.collection(op.db, op.coll)?.dropIndex(op.name);
        return;
      case 'dropDatabase':
        this.dbs.delete(op.db);
        return;
      default: {
        const never: never = op;
        throw new Error(`unknown oplog op ${JSON.stringify(never)}`);
      }
    }
  }

  private ensure(db: string, name: string, options: Document = {}): Collection {
    let colls = this.dbs.get(db);
    if (!colls) this.dbs.set(db, (colls = new Map()));
    let coll = colls.get(name);
    if (!coll) colls.set(name, (coll = new Collection(db, name, options)));
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
 * The ops of one command. `apply` changes memory at once (and throws without changing anything if the op is
 * invalid, e.g. a duplicate key); `commit` hands the applied entries to the listeners.
 */
export class WriteUnit {
  private readonly entries: OplogEntry[] = [];

  constructor(private readonly engine: Engine) {}

  apply(op: OplogOp): void {
    this.entries.push(this.engine.applyAndStamp(op));
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

  async commit(): Promise<void> {
    if (this.entries.length === 0) return;
    await this.engine.notify(this.entries);
  }
}
