/** What a benchmark scenario is and what it reports. */

export interface RunOptions {
  /** Smoke run: small sizes, few runs, thresholds reported but not meaningful. */
  readonly quick: boolean;
  /** Progress lines for the operator (stderr); never part of the results. */
  progress(message: string): void;
  /** When set, workers under test write V8 CPU profiles into this directory. */
  readonly cpuProfDir?: string;
}

/** One row of `--json`: `value` is the ratio the goal is stated on; details say how it was measured. */
export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  /** The headline number (a ratio, or a count for P3); NaN when not measured. */
  readonly value: number;
  readonly goal: string;
  readonly pass: boolean;
  /** Sizes, batch size, concurrency, warm-up, runs, process layout: what anyone needs to repeat it. */
  readonly conditions: string;
  /** Free-form measured figures (medians, percentiles, per-run values). */
  readonly details: Record<string, unknown>;
  /** Set when the scenario could not be measured; `pass` is then false. */
  readonly notMeasured?: string;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly goal: string;
  run(options: RunOptions): Promise<ScenarioResult>;
}

/** The result of a scenario that could not run, said plainly. */
export function notMeasured(s: Pick<Scenario, 'id' | 'title' | 'goal'>, reason: string, conditions = ''): ScenarioResult {
  return { id: s.id, title: s.title, goal: s.goal, value: Number.NaN, pass: false, conditions, details: {}, notMeasured: reason };
}
