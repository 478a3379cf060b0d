/**
 * Unit tests of the journal against a small in-test engine (a map of documents): group commit, torn tail,
 * corrupt middle, snapshot + compaction round trip, the data directory lock and write failures.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Timestamp, type Document } from 'bson';
import type { OplogEntry, OplogOp } from '../../src/embedded-mongo/engine/oplog';
import {
  DataDirLockedError,
  JournalCorruptError,
  JournalWriteError,
  nodeJournalFs,
  openJournal,
  type Journal,
  type JournalFs,
  type OplogPosition,
} from '../../src/embedded-mongo/journal';
import { crc32c } from '../../src/embedded-mongo/crc32c';
import { createLogger } from '../../src/log';

// A toy engine: documents by _id per namespace, enough to check what recovery rebuilds.
class ToyEngine {
  docs = new Map<string, Document>();
  seq = 0;
  ts = new Timestamp({ t: 1_700_000_000, i: 0 });
  recoveredAt: OplogPosition | null | undefined = undefined;

  apply(op: OplogOp): void {
    if (op.kind === 'insert') this.docs.set(`${op.db}.${op.coll}/${String(op.doc._id)}`, op.doc);
    else if (op.kind === 'update') this.docs.set(`${op.db}.${op.coll}/${String(op.after._id)}`, op.after);
    else if (op.kind === 'delete') this.docs.delete(`${op.db}.${op.coll}/${String(op.doc._id)}`);
  }
  next(op: OplogOp): OplogEntry {
    this.apply(op);
    this.seq++;
    this.ts = new Timestamp({ t: this.ts.high, i: this.ts.low + 1 });
    return { seq: this.seq, ts: this.ts, wallTime: new Date(1_700_000_000_000 + this.seq), op };
  }
  target() {
    return {
      applySnapshotOp: (op: OplogOp) => this.apply(op),
      applyEntry: (e: OplogEntry) => this.apply(e.op),
      recovered: (p: OplogPosition | null) => {
        this.recoveredAt = p;
        if (p) {
          this.seq = p.seq;
          this.ts = p.ts;
        }
      },
    };
  }
  dump = () => {
    const ops: OplogOp[] = [...this.docs.entries()].map(([key, doc]) => {
      const [db, coll] = key.split('/')[0]!.split('.') as [string, string];
      return { kind: 'insert', db, coll, doc };
    });
    return { seq: this.seq, ts: this.ts, ops };
  };
}

function insert(i: number, extra: Document = {}): OplogOp {
  return { kind: 'insert', db: 'shop', coll: 'orders', doc: { _id: i, item: `sku-${i}`, qty: i * 2, ...extra } };
}

// Private: a real fs that counts fsyncs on journal files (the group commit's cost) and can be told to fail them.
function countingFs(): JournalFs & { fileSyncs: number; failSyncs: boolean } {
  const fs = {
    ...nodeJournalFs,
    fileSyncs: 0,
    failSyncs: false,
    async openAppend(path: string) {
      const inner = await nodeJournalFs.openAppend(path);
      return {
        append: (d: Buffer) => inner.append(d),
        close: () => inner.close(),
        sync: async () => {
          if (fs.failSyncs) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
          fs.fileSyncs++;
          await inner.sync();
        },
      };
    },
  };
  return fs;
}

const dirs: string[] = [];
const open: Journal[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tg-journal-'));
  dirs.push(dir);
  return dir;
}
async function openOn(dir: string, engine: ToyEngine, extra: { fs?: JournalFs; compactAfterBytes?: number; lines?: string[] } = {}) {
  const lines = extra.lines;
  const journal = await openJournal(
    {
      dataDir: dir,
      fs: extra.fs,
      compactAfterBytes: extra.compactAfterBytes,
      log: lines ? createLogger('debug', undefined, (l) => lines.push(l)) : createLogger(process.env.S2_DEBUG ? 'debug' : 'silent'),
    },
    engine.target(),
    engine.dump,
  );
  open.push(journal);
  return journal;
}
async function closeAll(): Promise<void> {
  for (const j of open.splice(0)) await j.close();
}
function journalFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith('journal-')).sort();
}

afterEach(async () => {
  await closeAll();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('crc32c', () => {
  it('gives the CRC-32C check value and agrees with a bit-by-bit reference on every alignment', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const reference = (b: Uint8Array): number => {
      let c = 0xffffffff;
      for (const x of b) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff));
    for (let start = 0; start < 9; start++) {
      for (const end of [start, start + 1, start + 7, start + 8, start + 9, 300]) {
        expect(crc32c(bytes, start, end)).toBe(reference(bytes.subarray(start, end)));
      }
    }
  });
});

describe('group commit', () => {
  it('writes concurrent appends in fewer fsyncs than appends, and every acknowledged entry replays', async () => {
    const dir = freshDir();
    const fs = countingFs();
    const engine = new ToyEngine();
    const journal = await openOn(dir, engine, { fs });
    const N = 64;
    const entries = Array.from({ length: N }, (_, i) => engine.next(insert(i + 1)));
    await Promise.all(entries.map((e) => journal.append([e])));
    // The first append starts a batch alone; the other 63 arrive while its fsync is in flight and share the next one.
    expect(fs.fileSyncs).toBeGreaterThanOrEqual(1);
    expect(fs.fileSyncs).toBeLessThanOrEqual(3);
    expect(journal.stats().records).toBe(N);
    expect(journal.stats().batches).toBe(fs.fileSyncs);
    await closeAll();

    const again = new ToyEngine();
    await openOn(dir, again);
    expect(again.docs.size).toBe(N);
    expect(again.docs.get('shop.orders/17')).toEqual({ _id: 17, item: 'sku-17', qty: 34 });
    expect(again.recoveredAt?.seq).toBe(N);
    expect(again.recoveredAt?.ts.equals(entries[N - 1]!.ts)).toBe(true);
  });

  it('fails the batch and every later append after an fsync error, and never acknowledges them', async () => {
    const dir = freshDir();
    const fs = countingFs();
    const engine = new ToyEngine();
    const journal = await openOn(dir, engine, { fs });
    await journal.append([engine.next(insert(1))]);
    fs.failSyncs = true;
    await expect(journal.append([engine.next(insert(2))])).rejects.toBeInstanceOf(JournalWriteError);
    fs.failSyncs = false;
    await expect(journal.append([engine.next(insert(3))])).rejects.toThrow(/accepts no more writes/);
  });
});

describe('recovery', () => {
  async function writeEntries(dir: string, n: number): Promise<ToyEngine> {
    const engine = new ToyEngine();
    const journal = await openOn(dir, engine);
    for (let i = 1; i <= n; i++) await journal.append([engine.next(insert(i))]);
    await closeAll();
    return engine;
  }

  it('drops a torn last record, truncates the file to the last good record and logs it', async () => {
    const dir = freshDir();
    await writeEntries(dir, 10);
    const [file] = journalFiles(dir);
    const path = join(dir, file!);
    const goodSize = statSync(path).size;
    // Half of a real record: what a crash in the middle of a write leaves.
    const whole = readFileSync(path);
    appendFileSync(path, whole.subarray(0, Math.floor(whole.length / 10 / 2)));
    expect(statSync(path).size).toBeGreaterThan(goodSize);

    const lines: string[] = [];
    const engine = new ToyEngine();
    await openOn(dir, engine, { lines });
    expect(engine.docs.size).toBe(10);
    expect(engine.recoveredAt?.seq).toBe(10);
    expect(statSync(path).size).toBe(goodSize);
    expect(lines.some((l) => l.includes('WARN') && l.includes('torn record') && l.includes(file!))).toBe(true);
  });

  it('accepts a torn tail in an older journal when every newer one is empty (crash during a compaction switch)', async () => {
    const dir = freshDir();
    await writeEntries(dir, 4);
    const [older] = journalFiles(dir);
    const path = join(dir, older!);
    const whole = readFileSync(path);
    appendFileSync(path, whole.subarray(0, 30));
    writeFileSync(join(dir, 'journal-9999999999.bson'), Buffer.alloc(0));
    const engine = new ToyEngine();
    await openOn(dir, engine);
    expect(engine.docs.size).toBe(4);
    await closeAll();
    // But a torn record followed by a newer journal with content is damage, not a crash.
    appendFileSync(path, whole.subarray(0, 30));
    writeFileSync(join(dir, 'journal-9999999999.bson'), whole);
    await expect(openOn(dir, new ToyEngine())).rejects.toThrow(/in a journal that is not the newest/);
  });

  it('refuses to start when journal records are missing (a gap in seq), naming the file', async () => {
    const dir = freshDir();
    const engine = await writeEntries(dir, 3);
    const journal = await openOn(dir, engine);
    for (let i = 4; i <= 6; i++) await journal.append([engine.next(insert(i))]);
    await closeAll();
    const [oldest, newer] = journalFiles(dir);
    rmSync(join(dir, oldest!));
    await expect(openOn(dir, new ToyEngine())).rejects.toThrow(new RegExp(`${newer}.*offset 0: expected seq 1 next, got 4`));
  });

  it('drops a last record whose checksum does not match', async () => {
    const dir = freshDir();
    await writeEntries(dir, 5);
    const path = join(dir, journalFiles(dir)[0]!);
    const buf = readFileSync(path);
    buf[buf.length - 3] ^= 0xff;
    writeFileSync(path, buf);
    const engine = new ToyEngine();
    await openOn(dir, engine);
    expect(engine.docs.size).toBe(4);
    expect(engine.docs.has('shop.orders/5')).toBe(false);
  });

  it('refuses to start on a corrupt record in the middle, naming the file and offset', async () => {
    const dir = freshDir();
    await writeEntries(dir, 6);
    const file = journalFiles(dir)[0]!;
    const path = join(dir, file);
    const buf = readFileSync(path);
    const recordBytes = buf.readUInt32LE(0) + 8;
    const thirdAt = 2 * recordBytes;
    buf[thirdAt + 8 + 20] ^= 0x55;
    writeFileSync(path, buf);
    const engine = new ToyEngine();
    const err = await openOn(dir, engine).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JournalCorruptError);
    expect((err as JournalCorruptError).file).toBe(path);
    expect((err as JournalCorruptError).offset).toBe(thirdAt);
    expect((err as Error).message).toMatch(new RegExp(`${file}.*offset ${thirdAt}.*checksum`));
    // The corrupt file was not truncated: nothing is thrown away on a start-up error.
    expect(readFileSync(path).length).toBe(buf.length);
    // ...and the lock was released, so a repaired directory can be opened.
    const again = new ToyEngine();
    writeFileSync(path, buf.subarray(0, thirdAt));
    await openOn(dir, again);
    expect(again.docs.size).toBe(2);
  });
});

describe('snapshot and compaction', () => {
  it('compacts past the threshold, removes old journals, and replays snapshot + newer entries to the same state', async () => {
    const dir = freshDir();
    const engine = new ToyEngine();
    const journal = await openOn(dir, engine, { compactAfterBytes: 4096 });
    for (let i = 1; i <= 200; i++) {
      const op: OplogOp =
        i % 10 === 0
          ? { kind: 'delete', db: 'shop', coll: 'orders', doc: { _id: i - 1 } }
          : i % 7 === 0
            ? { kind: 'update', db: 'shop', coll: 'orders', before: { _id: i - 3 }, after: { _id: i - 3, qty: -1, note: 'updated' }, replace: true }
            : insert(i, { payload: 'x'.repeat(40) });
      await journal.append([engine.next(op)]);
    }
    await journal.compact();
    expect(journal.stats().compactions).toBeGreaterThanOrEqual(2);
    const files = readdirSync(dir);
    expect(files).toContain('snapshot.bson');
    expect(files).not.toContain('snapshot.bson.tmp');
    expect(journalFiles(dir)).toHaveLength(1);
    for (let i = 201; i <= 205; i++) await journal.append([engine.next(insert(i))]);
    await closeAll();

    const again = new ToyEngine();
    const reopened = await openOn(dir, again);
    expect(reopened.stats().replayedEntries).toBe(5);
    expect(reopened.stats().snapshotOps).toBeGreaterThan(100);
    expect(again.recoveredAt?.seq).toBe(205);
    expect([...again.docs.entries()].sort()).toEqual([...engine.docs.entries()].sort());
  });

  it('ignores an unfinished snapshot temp file and keeps journals the snapshot does not cover', async () => {
    const dir = freshDir();
    const engine = new ToyEngine();
    const journal = await openOn(dir, engine);
    for (let i = 1; i <= 5; i++) await journal.append([engine.next(insert(i))]);
    await closeAll();
    writeFileSync(join(dir, 'snapshot.bson.tmp'), Buffer.from('half a snapshot'));
    const again = new ToyEngine();
    await openOn(dir, again);
    expect(again.docs.size).toBe(5);
    expect(readdirSync(dir)).not.toContain('snapshot.bson.tmp');
  });

  it('reads a snapshot larger than its read chunk (records across chunk boundaries) and rejects a damaged one', async () => {
    const dir = freshDir();
    const engine = new ToyEngine();
    const journal = await openOn(dir, engine);
    const big = 'b'.repeat(97 * 1024 + 13);
    for (let i = 1; i <= 120; i += 10) {
      await journal.append(Array.from({ length: 10 }, (_, k) => engine.next(insert(i + k, { big }))));
    }
    await journal.compact();
    await closeAll();
    const snap = join(dir, 'snapshot.bson');
    expect(statSync(snap).size).toBeGreaterThan(8 * 1024 * 1024);
    const again = new ToyEngine();
    const reopened = await openOn(dir, again);
    expect(reopened.stats().snapshotOps).toBe(120);
    expect([...again.docs.entries()].sort()).toEqual([...engine.docs.entries()].sort());
    await closeAll();

    const buf = readFileSync(snap);
    const at = 9 * 1024 * 1024;
    buf[at] ^= 0x01;
    writeFileSync(snap, buf);
    const err = await openOn(dir, new ToyEngine()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JournalCorruptError);
    expect((err as JournalCorruptError).file).toBe(snap);
    expect((err as JournalCorruptError).offset).toBeLessThanOrEqual(at);
    expect((err as JournalCorruptError).offset).toBeGreaterThan(at - 100 * 1024);
  });

  it('rejects a snapshot without its trailer as corrupt', async () => {
    const dir = freshDir();
    const engine = new ToyEngine();
    const journal = await openOn(dir, engine);
    for (let i = 1; i <= 5; i++) await journal.append([engine.next(insert(i))]);
    await journal.compact();
    await closeAll();
    const snap = join(dir, 'snapshot.bson');
    const buf = readFileSync(snap);
    // Cut the trailer record off exactly at a record boundary: no torn bytes, just a missing end.
    const records: number[] = [];
    for (let at = 0; at < buf.length; at += buf.readUInt32LE(at) + 8) records.push(at);
    writeFileSync(snap, buf.subarray(0, records[records.length - 1]));
    await expect(openOn(dir, new ToyEngine())).rejects.toThrow(/snapshot\.bson.*expected a trailer/);
  });
});

describe('data directory lock', () => {
  it('refuses a second store on the same directory until the first closes', async () => {
    const dir = freshDir();
    const first = await openOn(dir, new ToyEngine());
    const err = await openOn(dir, new ToyEngine()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirLockedError);
    expect((err as Error).message).toContain(String(process.pid));
    await first.close();
    await expect(openOn(dir, new ToyEngine())).resolves.toBeDefined();
  });

  it('takes over a lock file left by a process that no longer exists', async () => {
    const dir = freshDir();
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dir, 'store.lock'), `${dead}\n`);
    await expect(openOn(dir, new ToyEngine())).resolves.toBeDefined();
    expect(readFileSync(join(dir, 'store.lock'), 'utf8').trim()).toBe(String(process.pid));
  });

  it('refuses a lock file held by another live process', async () => {
    const dir = freshDir();
    // The parent of this jest worker is alive for the whole test.
    writeFileSync(join(dir, 'store.lock'), `${process.ppid}\n`);
    await expect(openOn(dir, new ToyEngine())).rejects.toThrow(new RegExp(`in use by process ${process.ppid}`));
  });
});
