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
    // The exact size is measured only when a bound of it, taken without serialising, is over the cap.
    if (data !== null && jsonBytesBound(data, 0) > ctx.limits.maxResultDataBytes) {
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

/** Nesting below which jsonBytesBound walks a value; deeper (or cyclic) values are measured exactly. */
const BOUND_DEPTH = 32;
/** The longest JSON text of a number (`-2.2250738585072014e-308`); NaN and the infinities are written as null. */
const NUMBER_BYTES = 24;

/**
 * An upper bound of the UTF-8 bytes of `JSON.stringify(value)`, from string lengths only: a UTF-16 code unit is at
 * most 6 bytes of JSON (an escape such as `\u001f`), every member or element costs its separator. Infinity for
 * anything but strings, numbers, booleans, null, arrays and plain objects without `toJSON` (and for nesting
 * deeper than BOUND_DEPTH), which the caller then measures by serialising.
 */
function jsonBytesBound(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return 2 + 6 * value.length;
    case 'number':
      return NUMBER_BYTES;
    case 'boolean':
      return 5;
    case 'object': {
      if (value === null) return 4;
      if (depth >= BOUND_DEPTH) return Infinity;
      if (Array.isArray(value)) {
        let size = 2;
        for (let i = 0; i < value.length; i++) size += 1 + jsonBytesBound(value[i], depth + 1);
        return size;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if ((proto !== Object.prototype && proto !== null) || typeof (value as { toJSON?: unknown }).toJSON === 'function') return Infinity;
      let size = 2;
      for (const key in value) size += 4 + 6 * key.length + jsonBytesBound((value as Record<string, unknown>)[key], depth + 1);
      return size;
    }
    default:
      return Infinity;
  }
}
