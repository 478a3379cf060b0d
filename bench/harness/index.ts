export { parseBenchArgs, type BenchArgs } from './args';
export { forkWorker, type WorkerHandle, type ForkOptions } from './child';
export { mean, median, msSince, percentile, round } from './stats';
export { markdownTable } from './table';
export { notMeasured, type RunOptions, type Scenario, type ScenarioResult } from './types';
