/** Sending pre-built submitSpans bodies through the gateway, the way P1 and the on/off ingest scenarios load it. */
import type { SpanSubmitter } from '../../src/demo';
import { msSince } from '../harness/stats';
import type { IngestBatch } from './span-bodies';

/** Concurrent clients of the ingest scenarios (P1, P1R, P1A, P1M, P9's loading). */
export const INGEST_CONCURRENCY = 8;

/**
 * Sends every batch once through `concurrency` clients; wall time in ms. Throws unless every span was stored,
 * naming the first problem (a rejection, an error code, or a count that does not add up). The batches hold fresh
 * span ids, so a span reported as a duplicate was stored by an earlier attempt of the same batch (a retry after
 * the reply was lost, e.g. a kept-alive socket closed by the server as the request went out): it counts as stored.
 */
export async function sendAll(submitter: SpanSubmitter, batches: readonly IngestBatch[], concurrency = INGEST_CONCURRENCY): Promise<number> {
  let next = 0;
  let accepted = 0;
  let retriedDuplicates = 0;
  const problems: string[] = [];
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < batches.length) {
        const b = batches[next++]!;
        const outcome = await submitter.submitBody(b.body);
        if (outcome.kind === 'stored') {
          accepted += outcome.accepted;
          if (outcome.duplicates > 0 && outcome.attempts > 1) retriedDuplicates += outcome.duplicates;
          else if (outcome.duplicates > 0) problems.push(`${outcome.duplicates} duplicates on a first attempt: the batches are not fresh`);
          if (outcome.rejected.length) problems.push(`rejected ${outcome.rejected.length}: ${outcome.rejected[0]!.message}`);
        } else problems.push(`${outcome.code}: ${outcome.message}`);
      }
    }),
  );
  const ms = msSince(t0);
  const expected = batches.reduce((n, b) => n + b.spans.length, 0);
  const stored = accepted + retriedDuplicates;
  if (stored !== expected || problems.length > 0) throw new Error(`the gateway stored ${stored} of ${expected} spans: ${problems[0] ?? 'the counts do not add up'}`);
  return ms;
}
