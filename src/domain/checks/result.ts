import { describe } from '../ids';
import { RejectionCode } from '../span';
import { isStatusCode } from './enums';
import { fail, type CheckFailure, type SpanCheck } from './check';

/** The call's result: a status, short code and message strings, and `data` (any JSON) within the size cap. */
export const resultCheck: SpanCheck = {
  name: 'result',
  run(input, draft, ctx) {
    const result = input.result;
    if (result == null) {
      draft.result = null;
      return null;
    }
    if (!isStatusCode(result.status)) {
      return fail(RejectionCode.INVALID_FIELD, `result.status: expected UNSET, OK or ERROR, received ${describe(result.status)}`);
    }
    const problem = checkText('code', result.code, ctx.limits.maxStringLength) ?? checkText('message', result.message, ctx.limits.maxStringLength);
    if (problem) return problem;
    const data = result.data ?? null;
    if (data !== null) {
      let size: number;
      try {
        size = Buffer.byteLength(JSON.stringify(data));
      } catch {
        return fail(RejectionCode.INVALID_FIELD, 'result.data: expected a JSON value, received a value that cannot be serialised');
      }
      if (size > ctx.limits.maxResultDataBytes) {
        return fail(RejectionCode.TOO_LARGE, `result.data: expected at most ${ctx.limits.maxResultDataBytes} bytes of JSON, received ${size}`);
      }
    }
    draft.result = { status: result.status, code: result.code ?? null, message: result.message ?? null, data };
    return null;
  },
};

// Private: `result.code` or `result.message`, read by name by the caller (a loop over the two names reads them by a
// computed key, which costs more than the check).
function checkText(field: 'code' | 'message', value: unknown, max: number): CheckFailure | null {
  if (value == null) return null;
  if (typeof value !== 'string') return fail(RejectionCode.INVALID_FIELD, `result.${field}: expected a string, received ${describe(value)}`);
  if (value.length > max) return fail(RejectionCode.STRING_TOO_LONG, `result.${field}: expected at most ${max} characters, received ${value.length}`);
  return null;
}
