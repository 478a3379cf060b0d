/**
 * The in-process store on a Unix domain socket (what `npm start` runs without MONGODB_URI): owner-only file mode,
 * the driver connects through the `mongodb://%2F...sock` URI, no TCP port, the socket file removed at stop and a
 * stale one from a killed process replaced.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo } from '../../src/embedded-mongo';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

it('listens on a 0600 socket inside the data directory; the driver connects with the socket URI', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tg-sock-'));
  dirs.push(dataDir);
  const socketPath = join(dataDir, 'store.sock');
  // A socket file left behind by a killed store is replaced.
  const stale = createServer();
  await new Promise<void>((r) => stale.listen(socketPath, r));
  await new Promise<void>((r) => {
    stale.close(() => r());
  });
  const store = await startEmbeddedMongo({ dataDir, socketPath });
  try {
    expect(store.uri).toBe(`mongodb://${encodeURIComponent(socketPath)}/?directConnection=true`);
    expect(store.port).toBe(0);
    const stat = statSync(socketPath);
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o600);
    // The private directory the socket was bound in before it moved to its path is gone.
    expect(readdirSync(dataDir).filter((name) => name.startsWith('.s'))).toEqual([]);
    const client = await MongoClient.connect(store.uri, { serverSelectionTimeoutMS: 5000 });
    try {
      await client.db('s').collection('c').insertOne({ _id: 1 as never, via: 'socket' });
      expect(await client.db('s').collection('c').findOne({})).toEqual({ _id: 1, via: 'socket' });
    } finally {
      await client.close();
    }
  } finally {
    await store.stop();
  }
  expect(existsSync(socketPath)).toBe(false);
});

it('refuses a socket path the kernel cannot take, or one not named *.sock, with an error naming the limit', async () => {
  await expect(startEmbeddedMongo({ socketPath: join(tmpdir(), 'x'.repeat(120) + '.sock') })).rejects.toThrow(/more than the 107 a Unix socket path may have/);
  await expect(startEmbeddedMongo({ socketPath: join(tmpdir(), 'store.socket') })).rejects.toThrow(/must end in '.sock'/);
});
