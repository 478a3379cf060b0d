/**
 * P1R: ingest spans/s through `submitSpans` with the default redaction rules ÷ the same with redaction off
 * (`TRACEGATE_REDACTION=off`): what redaction at ingest costs on the P1 workload (harness/on-off.ts).
 */
import { measureIngestOnOff } from '../harness/on-off';
import type { RunOptions, Scenario, ScenarioResult } from '../harness/types';

const GOAL = 0.9;

const FULL = { batchesPerRun: 20, runs: 5, warmupBatches: 6 };
const QUICK = { batchesPerRun: 4, runs: 3, warmupBatches: 2 };

export const p1Redaction: Scenario = {
  id: 'P1R',
  title: 'ingest spans/s via submitSpans, default redaction rules ÷ redaction off',
  goal: `≥ ${GOAL}`,
  run: runRedaction,
};

async function runRedaction(options: RunOptions): Promise<ScenarioResult> {
  const m = await measureIngestOnOff(
    { label: 'P1R', on: {}, off: { TRACEGATE_REDACTION: 'off' }, dbPrefix: 'bench_redaction', seed: 'p1r', ...(options.quick ? QUICK : FULL) },
    options,
  );
  return {
    id: p1Redaction.id, title: p1Redaction.title, goal: p1Redaction.goal, value: m.ratio, pass: m.ratio >= GOAL,
    conditions: `on: default rules, no key (masking); off: TRACEGATE_REDACTION=off; ${m.conditions}`,
    details: m.details,
  };
}
