/** Every scenario of `npm run bench`, in the order they run. */
import type { Scenario } from '../harness/types';
import { p1Ingest, p2IngestCpu } from './p1-p2-ingest';
import { p1Metrics } from './p1m-metrics';
import { p1Redaction } from './p1r-redaction';
import { p3Commands } from './p3-commands';
import { p4TraceLatency } from './p4-trace-latency';
import { p5NestedRps } from './p5-nested-rps';
import { p6Live } from './p6-live';
import { p7Store } from './p7-store';
import { p8Scale } from './p8-scale';
import { p1Analytics, p9StatsQueries } from './p9-analytics';

export const SCENARIOS: readonly Scenario[] = [p1Ingest, p2IngestCpu, p1Redaction, p3Commands, p4TraceLatency, p5NestedRps, p6Live, p7Store, p8Scale, p1Analytics, p9StatsQueries, p1Metrics];
