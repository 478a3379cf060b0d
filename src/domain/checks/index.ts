/** The ingest checks, in the order they run; the first failure rejects the span. */
import type { SpanCheck } from './check';
import { shapeCheck } from './shape';
import { idsCheck } from './ids';
import { namesCheck } from './names';
import { enumsCheck } from './enums';
import { timesCheck } from './times';
import { resultCheck } from './result';
import { attributesCheck } from './attributes';
import { metricsCheck } from './metrics';
import { eventsCheck } from './events';
import { linksCheck } from './links';

export const SPAN_CHECKS: readonly SpanCheck[] = [
  shapeCheck,
  idsCheck,
  namesCheck,
  enumsCheck,
  timesCheck,
  resultCheck,
  attributesCheck,
  metricsCheck,
  eventsCheck,
  linksCheck,
];

export type { SpanCheck, CheckContext, CheckFailure, SpanDraft } from './check';
