import { RejectionCode } from '../span';
import { formatMicros, parseDateTime } from '../time';
import { fail, type SpanCheck } from './check';

/** Start and end parse to µs; end is not before start; the end is not beyond now + the allowed skew. */
export const timesCheck: SpanCheck = {
  name: 'times',
  run(input, draft, ctx) {
    const start = parseDateTime(input.startTime);
    if (!start.ok) return fail(RejectionCode.INVALID_TIME, `startTime: ${start.reason}`);
    const end = parseDateTime(input.endTime);
    if (!end.ok) return fail(RejectionCode.INVALID_TIME, `endTime: ${end.reason}`);
    if (end.us < start.us) {
      return fail(
        RejectionCode.END_BEFORE_START,
        `endTime: expected at or after startTime ${formatMicros(start.us)}, received ${formatMicros(end.us)}`,
      );
    }
    const latest = ctx.nowUs + ctx.limits.maxFutureSkewMs * 1000;
    if (end.us > latest) {
      return fail(
        RejectionCode.TOO_FAR_IN_FUTURE,
        `endTime: expected at most ${ctx.limits.maxFutureSkewMs} ms beyond the server clock (until ${formatMicros(latest)}), received ${formatMicros(end.us)}`,
      );
    }
    draft.startUs = start.us;
    draft.endUs = end.us;
    draft.durationUs = end.us - start.us;
    draft.startTime = start.us;
    draft.endTime = end.us;
    return null;
  },
};
