import { describe } from '../ids';
import { RejectionCode, type Metric } from '../span';
import { checkName } from './names';
import { fail, type SpanCheck } from './check';

/** The call's performance figures: named finite numbers with an optional unit. */
export const metricsCheck: SpanCheck = {
  name: 'metrics',
  run(input, draft, ctx) {
    const list = input.metrics ?? [];
    if (list.length > ctx.limits.maxMetricsPerSpan) {
      return fail(RejectionCode.TOO_LARGE, `metrics: expected at most ${ctx.limits.maxMetricsPerSpan} metrics, received ${list.length}`);
    }
    const out: Metric[] = [];
    for (let i = 0; i < list.length; i++) {
      const metric = list[i];
      if (metric === null || typeof metric !== 'object') return fail(RejectionCode.INVALID_FIELD, `metrics[${i}]: expected an object, received ${describe(metric)}`);
      const name = checkName(`metrics[${i}].name`, typeof metric?.name === 'string' ? metric.name : '', ctx.limits.maxNameLength);
      if (typeof name !== 'string') return name;
      if (typeof metric.value !== 'number' || !Number.isFinite(metric.value)) {
        return fail(RejectionCode.INVALID_FIELD, `metrics[${i}].value: expected a finite number, received ${describe(metric.value)}`);
      }
      const unit = metric.unit ?? null;
      if (unit !== null && (typeof unit !== 'string' || unit.length > ctx.limits.maxNameLength)) {
        return fail(RejectionCode.INVALID_FIELD, `metrics[${i}].unit: expected a string of at most ${ctx.limits.maxNameLength} characters, received ${describe(unit)}`);
      }
      out.push({ name, value: metric.value, unit });
    }
    draft.metrics = out;
    return null;
  },
};
