/**
 * Upgrade of a data directory written in the journal format: the first start converts it (snapshot and journal
 * entries, streamed into LMDB), says so in a log line, keeps the old files aside, and serves the same documents and
 * indexes; the next start opens LMDB directly.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Timestamp } from 'bson';
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo } from '../../src/embedded-mongo';
import type { OplogEntry, OplogOp } from '../../src/embedded-mongo/engine';
import { openJournal } from '../../src/embedded-mongo/journal';
import { createLogger } from '../../src/log';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function writeJournalFormat(dataDir: string, ops: OplogOp[], compact: boolean): Promise<void> {
  const journal = await openJournal({ dataDir }, { applySnapshotOp: () => undefined, applyEntry: () => undefined, recovered: () => undefined }, () => ({
    seq: ops.length,
    ts: new Timestamp({ t: 1_800_000_000, i: ops.length }),
    ops: ops.filter((op) => op.kind !== 'delete' && op.kind !== 'update'),
  }));
  const entries: OplogEntry[] = ops.map((op, i) => ({ seq: i + 1, ts: new Timestamp({ t: 1_800_000_000, i: i + 1 }), wallTime: new Date(), op }));
  await journal.append(entries);
  if (compact) await journal.compact();
  await journal.close();
}

it('converts a journal-format directory on first start, keeps the old files aside, and serves the same data', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tg-convert-'));
  dirs.push(dataDir);
  const docs = Array.from({ length: 50 }, (_, i) => ({ _id: i, email: `u${i}@x`, n: i }));
  const ops: OplogOp[] = [
    { kind: 'createCollection', db: 'app', coll: 'users', options: {} },
    { kind: 'createIndex', db: 'app', coll: 'users', spec: { v: 2, key: { email: 1 }, name: 'email_1', unique: true } },
    ...docs.map((doc): OplogOp => ({ kind: 'insert', db: 'app', coll: 'users', doc })),
    { kind: 'update', db: 'app', coll: 'users', before: docs[3]!, after: { ...docs[3]!, n: 300 }, replace: true },
    { kind: 'delete', db: 'app', coll: 'users', doc: docs[4]! },
  ];
  await writeJournalFormat(dataDir, ops, false);
  expect(readdirSync(dataDir).some((f) => /^journal-\d+\.bson$/.test(f))).toBe(true);

  const lines: string[] = [];
  const log = createLogger('info', 'test', (line) => lines.push(line));
  const store = await startEmbeddedMongo({ port: 0, dataDir, log });
  const client = await MongoClient.connect(store.uri);
  try {
    const users = client.db('app').collection<{ _id: number; email: string; n?: number }>('users');
    expect(await users.countDocuments()).toBe(49);
    expect(await users.findOne({ _id: 3 })).toEqual({ _id: 3, email: 'u3@x', n: 300 });
    expect(await users.findOne({ _id: 4 })).toBeNull();
    expect((await users.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_', 'email_1']);
    await expect(users.insertOne({ _id: 99, email: 'u7@x' })).rejects.toThrow(/E11000/);
  } finally {
    await client.close();
    await store.stop();
  }
  const names = readdirSync(dataDir);
  expect(names.some((f) => /^journal-\d+\.bson$/.test(f))).toBe(false);
  const kept = names.find((f) => f.startsWith('journal-format-'));
  expect(kept).toBeDefined();
  expect(readdirSync(join(dataDir, kept!)).some((f) => /^journal-\d+\.bson$/.test(f))).toBe(true);
  expect(lines.join('\n')).toMatch(/converted the journal-format data directory/);

  // The next start opens LMDB directly and still has everything.
  const again = await startEmbeddedMongo({ port: 0, dataDir });
  const client2 = await MongoClient.connect(again.uri);
  try {
    expect(await client2.db('app').collection('users').countDocuments()).toBe(49);
  } finally {
    await client2.close();
    await again.stop();
  }
  expect(existsSync(join(dataDir, 'lmdb'))).toBe(true);
});
