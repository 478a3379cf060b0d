/**
 * P1M: ingest spans/s through `submitSpans` with metrics collected (`TRACEGATE_METRICS=on`, the default) ÷ the same
 * with metrics off: what `/metrics` costs on the P1 workload. Beside it, the gateway's CPU per span on vs off,
 * which other load on the machine disturbs less than throughput. The measurement is `measureIngestOnOff`.
 */
import { measureIngestOnOff } from '../harness/on-off';
import type { RunOptions, Scenario, ScenarioResult } from '../harness/types';

const GOAL = 0.97;

const FULL = { batchesPerRun: 20, runs: 8, warmupBatches: 6 };
const QUICK = { batchesPerRun: 4, runs: 2, warmupBatches: 2 };

export const p1Metrics: Scenario = {
  id: 'P1M',
  title: 'ingest spans/s via submitSpans, metrics on ÷ metrics off',
  goal: `≥ ${GOAL}`,
  run: runMetrics,
};

async function runMetrics(options: RunOptions): Promise<ScenarioResult> {
  const m = await measureIngestOnOff(
    { label: 'P1M', on: { TRACEGATE_METRICS: 'on' }, off: { TRACEGATE_METRICS: 'off' }, dbPrefix: 'bench_p1m', seed: 'p1m', ...(options.quick ? QUICK : FULL) },
    options,
  );
  return {
    id: p1Metrics.id, title: p1Metrics.title, goal: p1Metrics.goal, value: m.ratio, pass: m.ratio >= GOAL,
    conditions: `on: TRACEGATE_METRICS=on; off: TRACEGATE_METRICS=off; ${m.conditions}`,
    details: m.details,
  };
}
