/**
 * P3: store commands per nested query (traces -> spans -> service, parent, children) when the store holds
 * 1, 10, 100 and 1,000 traces. Per-request DataLoaders should make the count depend on the query's shape only.
 *
 * Layout: all in this process (the count is not a timing): embedded store, the gateway over a MongoTraceStore
 * whose driver client has command monitoring on; every `commandStarted` during a query is counted (connection
 * handshakes and heartbeats excluded). `traces(first)` is capped at 100 by the API, so 1,000 traces are read as
 * 10 pages and each page is one query.
 */
import type { CommandStartedEvent } from 'mongodb';
import { loadConfig } from '../../src/config';
import { SpanSubmitter, keepAliveAgent, postJson, TrafficGenerator } from '../../src/demo';
import { startEmbeddedMongo } from '../../src/embedded-mongo';
import { startGateway } from '../../src/server';
import { DEFAULT_QUERY_LIMITS } from '../../src/server/limits';
import { MongoTraceStore } from '../../src/store';
import type { RunOptions, Scenario, ScenarioResult } from '../harness/types';

const PAGE = 100;
/** Pages of 100 traces exceed the default cost limit (it admits this query up to first: 20); the count is what P3 measures. */
export const BENCH_MAX_COST = 10_000_000;
const IGNORED = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'endSessions', 'saslStart', 'saslContinue']);

export const NESTED_QUERY = `query Nested($first: Int!, $after: String) {
  traces(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id spans { spanId operation service { name } parent { spanId } children { spanId } } }
  }
}`;

export const p3Commands: Scenario = {
  id: 'P3',
  title: 'store commands per nested query at 1 / 10 / 100 / 1,000 traces',
  goal: 'equal at every size',
  run: runP3,
};

interface Page {
  traces: number;
  spans: number;
  commands: string[];
}

async function runP3(options: RunOptions): Promise<ScenarioResult> {
  const sizes = options.quick ? [1, 10, 100] : [1, 10, 100, 1000];
  const conditions =
    `store holding ${sizes.join(' / ')} demo traces (~8 spans each); query traces(first: min(N, ${PAGE})) { spans { service, parent, children } }, ` +
    `paged through all N; commands counted by driver commandStarted in-process; gateway core without extensions; ` +
    `query cost limit raised to ${BENCH_MAX_COST} (the default ${DEFAULT_QUERY_LIMITS.maxCost} admits this query only up to first: 20)`;
  const mongo = await startEmbeddedMongo({ port: 0 });
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'production', MONGODB_URI: mongo.uri, MONGODB_DB: 'bench_p3' }, []);
  const store = new MongoTraceStore({ uri: mongo.uri, dbName: 'bench_p3', retentionMs: config.retentionMs, serverSelectionTimeoutMs: config.storeTimeoutMs });
  const gateway = await startGateway(config, { store, queryLimits: { ...DEFAULT_QUERY_LIMITS, maxCost: BENCH_MAX_COST } });
  const agent = keepAliveAgent(2);
  try {
    const submitter = new SpanSubmitter({ url: gateway.url, agent, maxAttempts: 20, baseDelayMs: 20 });
    const gen = new TrafficGenerator({ seed: 'p3' });
    const startMs = Date.now() - 3_600_000;
    let held = 0;
    const perSize: Record<string, number[]> = {};
    const examples: Record<string, string[]> = {};
    for (const n of sizes) {
      const spans = [];
      for (; held < n; held++) spans.push(...gen.nextTrace(startMs + held).spans);
      for (let i = 0; i < spans.length; i += 500) {
        const outcome = await submitter.submit(spans.slice(i, i + 500));
        if (outcome.kind !== 'stored') throw new Error(`P3 seeding failed: ${outcome.code}: ${outcome.message}`);
      }
      const pages = await readAll(gateway.url, agent, store, n);
      const traces = pages.reduce((a, p) => a + p.traces, 0);
      if (traces !== n) throw new Error(`P3 at ${n} traces: the nested query returned ${traces} traces`);
      perSize[n] = pages.map((p) => p.commands.length);
      examples[n] = pages[0].commands;
      options.progress(`P3 ${n} traces: ${pages.length} page(s), commands per query ${perSize[n].join(', ')} (${pages[0].commands.join(' ')})`);
    }
    const all = Object.values(perSize).flat();
    const equal = all.every((c) => c === all[0]);
    return {
      id: p3Commands.id, title: p3Commands.title, goal: p3Commands.goal,
      value: Math.max(...all),
      pass: equal,
      conditions,
      details: {
        commandsPerQuery: Object.entries(perSize).map(([n, c]) => `${n}: ${[...new Set(c)].join('/')}`).join('; '),
        perSize,
        commandNames: examples,
      },
    };
  } finally {
    agent.destroy();
    await gateway.stop();
    await store.close();
    await mongo.stop();
  }
}

async function readAll(url: string, agent: ReturnType<typeof keepAliveAgent>, store: MongoTraceStore, n: number): Promise<Page[]> {
  const pages: Page[] = [];
  let after: string | null = null;
  do {
    const commands: string[] = [];
    const listener = (e: CommandStartedEvent): void => {
      if (!IGNORED.has(e.commandName)) commands.push(e.commandName);
    };
    store.client.on('commandStarted', listener);
    let body: string;
    try {
      const reply = await postJson(new URL(url), JSON.stringify({ query: NESTED_QUERY, variables: { first: Math.min(n, PAGE), after } }), agent, 60_000);
      body = reply.body;
      if (reply.status !== 200) throw new Error(`P3 nested query: HTTP ${reply.status}: ${body.slice(0, 300)}`);
    } finally {
      store.client.off('commandStarted', listener);
    }
    const parsed = JSON.parse(body) as { data?: { traces: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: { spans: unknown[] }[] } }; errors?: unknown[] };
    if (parsed.errors?.length || !parsed.data) throw new Error(`P3 nested query failed: ${JSON.stringify(parsed.errors).slice(0, 300)}`);
    const t = parsed.data.traces;
    pages.push({ traces: t.nodes.length, spans: t.nodes.reduce((a, x) => a + x.spans.length, 0), commands });
    after = t.pageInfo.hasNextPage ? t.pageInfo.endCursor : null;
  } while (after);
  return pages;
}
