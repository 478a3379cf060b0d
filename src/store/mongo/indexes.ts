/**
 * Index definitions, created at start and idempotently (createIndexes with the same spec is a no-op).
 * TTL indexes expire on `expireAt` (server receive time + retention) with expireAfterSeconds 0, so a
 * change of retention applies to new writes without rebuilding the index.
 */
import type { Db, IndexDescription } from 'mongodb';
import { Collections } from './documents';

export const INDEXES: Record<keyof typeof Collections, IndexDescription[]> = {
  spans: [
    { key: { traceId: 1, spanId: 1 }, name: 'trace_span_unique', unique: true },
    { key: { service: 1, startUs: -1 }, name: 'service_start' },
    { key: { 'attrs.k': 1, 'attrs.v': 1 }, name: 'attrs' },
    { key: { expireAt: 1 }, name: 'retention_ttl', expireAfterSeconds: 0 },
  ],
  traces: [
    { key: { startUs: -1, _id: -1 }, name: 'start' },
    { key: { durationUs: -1, _id: -1 }, name: 'duration' },
    { key: { services: 1, startUs: -1 }, name: 'services_start' },
    { key: { 'svcOps.o': 1, 'svcOps.s': 1 }, name: 'operations' },
    { key: { 'attrs.k': 1, 'attrs.v': 1 }, name: 'attrs' },
    { key: { expireAt: 1 }, name: 'retention_ttl', expireAfterSeconds: 0 },
  ],
  services: [{ key: { expireAt: 1 }, name: 'retention_ttl', expireAfterSeconds: 0 }],
};

export async function ensureIndexes(db: Db): Promise<void> {
  for (const [collection, indexes] of Object.entries(INDEXES)) {
    await db.collection(collection).createIndexes(indexes);
  }
}
