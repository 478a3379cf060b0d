/** Sending pre-built submitSpans bodies through the gateway, the way P1 and the on/off ingest scenarios load it. */
import type { SpanSubmitter } from '../../src/demo';
import { msSince } from '../harness/stats';
import type { IngestBatch } from './span-bodies';

/** Concurrent clients of the ingest scenarios (P1, P1R, P1A, P1M, P9's loading). */
export const INGEST_CONCURRENCY = 8;

/**
 * Sends every batch once through `concurrency` clients; wall time in ms. Throws unless every span was stored,
 * naming the first problem (a rejection, an error code, or duplicates when the counts do not add up).
 */
export async function sendAll(submitter: SpanSubmitter, batches: readonly IngestBatch[], concurrency = INGEST_CONCURRENCY): Promise<number> {
  let next = 0;
  let accepted = 0;
  const problems: string[] = [];
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < batches.length) {
        const b = batches[next++]!;
        const outcome = await submitter.submitBody(b.body);
        if (outcome.kind === 'stored') {
          accepted += outcome.accepted;
          if (outcome.rejected.length) problems.push(`rejected ${outcome.rejected.length}: ${outcome.rejected[0]!.message}`);
        } else problems.push(`${outcome.code}: ${outcome.message}`);
      }
    }),
  );
  const ms = msSince(t0);
  const expected = batches.reduce((n, b) => n + b.spans.length, 0);
  if (accepted !== expected) throw new Error(`the gateway stored ${accepted} of ${expected} spans: ${problems[0] ?? 'duplicates?'}`);
  return ms;
}
