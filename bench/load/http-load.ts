/**
 * A closed-loop HTTP load generator on node's keep-alive `http.Agent`: `concurrency` virtual clients each send a
 * request, wait for the reply, and send the next, for a bounded time after a warm-up. Every reply is checked;
 * a wrong answer counts as an error, so a fast server that answers badly does not look good.
 */
import type * as http from 'node:http';
import { keepAliveAgent, postJson, type HttpReply } from '../../src/demo';
import { msSince } from '../harness/stats';

export interface LoadOptions {
  url: string;
  /** Request bodies (JSON text): taken round-robin when `reuse`, else each sent once (the run ends when all are sent). */
  bodies: readonly string[];
  reuse: boolean;
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** Returns a problem description for a bad reply, undefined for a good one. */
  check(reply: HttpReply): string | undefined;
  headers?: http.OutgoingHttpHeaders;
  timeoutMs?: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  requestsPerSec: number;
  latenciesMs: number[];
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  if (o.bodies.length === 0) throw new RangeError('runLoad needs at least one request body, but got none');
  if (!o.reuse && o.warmupMs > 0) {
    throw new RangeError(`runLoad with single-use bodies cannot warm up (it would resend them), but got warmupMs=${o.warmupMs}`);
  }
  const agent = keepAliveAgent(o.concurrency);
  const url = new URL(o.url);
  try {
    if (o.warmupMs > 0) await phase(o, url, agent, o.warmupMs, undefined);
    const result: LoadResult = { requests: 0, errors: 0, elapsedMs: 0, requestsPerSec: 0, latenciesMs: [] };
    const t0 = process.hrtime.bigint();
    await phase(o, url, agent, o.durationMs, result);
    result.elapsedMs = msSince(t0);
    result.requestsPerSec = result.requests / (result.elapsedMs / 1000);
    return result;
  } finally {
    agent.destroy();
  }
}

async function phase(o: LoadOptions, url: URL, agent: http.Agent, durationMs: number, into: LoadResult | undefined): Promise<void> {
  const end = Date.now() + durationMs;
  let next = 0;
  const client = async (index: number): Promise<void> => {
    let i = index;
    while (Date.now() < end) {
      let body: string;
      if (o.reuse) body = o.bodies[i++ % o.bodies.length];
      else if (next < o.bodies.length) body = o.bodies[next++];
      else return;
      const t0 = process.hrtime.bigint();
      let problem: string | undefined;
      try {
        problem = o.check(await postJson(url, body, agent, o.timeoutMs ?? 30_000, o.headers));
      } catch (e) {
        problem = e instanceof Error ? e.message : String(e);
      }
      if (!into) continue;
      into.requests++;
      into.latenciesMs.push(msSince(t0));
      if (problem !== undefined) {
        into.errors++;
        into.firstError ??= problem;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, (_, i) => client(i)));
}

/** A check for GraphQL replies: HTTP 200, no errors, and `data` present. */
export function graphqlOk(reply: HttpReply): string | undefined {
  if (reply.status !== 200) return `HTTP ${reply.status}: ${reply.body.slice(0, 200)}`;
  const parsed = JSON.parse(reply.body) as { data?: unknown; errors?: unknown[] };
  if (parsed.errors?.length) return `GraphQL errors: ${JSON.stringify(parsed.errors).slice(0, 300)}`;
  if (parsed.data == null) return 'GraphQL reply without data';
  return undefined;
}
