import { clip, describe } from '../ids';
import { canonicalJson } from '../json';
import type { IngestLimits } from '../limits';
import { RejectionCode, type Attribute, type AttributeInputShape } from '../span';
import { fail, type CheckFailure, type SpanCheck } from './check';
import { loneSurrogate, loneSurrogateAt } from './names';

/** Nesting deeper than this in one attribute value is refused (INVALID_ATTRIBUTE). */
export const MAX_ATTRIBUTE_VALUE_DEPTH = 8;

/** The span's own attributes; events' attributes go through the same rules (see events check). */
export const attributesCheck: SpanCheck = {
  name: 'attributes',
  run(input, draft, ctx) {
    const attrs = checkAttributes('attributes', input.attributes, ctx.limits);
    if (!Array.isArray(attrs)) return attrs;
    draft.attributes = attrs;
    return null;
  },
};

/**
 * Keys: non-empty strings, unique within the list, any characters (`.` and `$` are data). Values: string,
 * finite number, boolean, or arrays / objects of those; null is refused because it cannot be matched.
 */
export function checkAttributes(field: string, list: readonly AttributeInputShape[] | null | undefined, limits: IngestLimits): Attribute[] | CheckFailure {
  if (list == null) return [];
  if (list.length > limits.maxAttributesPerSpan) {
    return fail(RejectionCode.TOO_MANY_ATTRIBUTES, `${field}: expected at most ${limits.maxAttributesPerSpan} attributes, received ${list.length}`);
  }
  // Keys already seen: a linear scan for the short lists spans carry, a set only for long ones.
  const seen = list.length > UNIQUE_SCAN_MAX ? new Set<string>() : null;
  const out: Attribute[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const attr = list[i];
    if (attr === null || typeof attr !== 'object') return fail(RejectionCode.INVALID_ATTRIBUTE, `${field}[${i}]: expected {key, value}, received ${describe(attr)}`);
    const { key, value } = attr;
    if (typeof key !== 'string' || key.length === 0) {
      return fail(RejectionCode.INVALID_ATTRIBUTE, `${field}[${i}].key: expected a non-empty string, received ${describe(key)}`);
    }
    const lone = loneSurrogateAt(key);
    if (lone !== -1) return loneSurrogate(`${field}[${i}].key`, key, lone);
    if (key.length > limits.maxAttributeKeyLength) {
      return fail(RejectionCode.STRING_TOO_LONG, `${field}[${i}].key: expected at most ${limits.maxAttributeKeyLength} characters, received ${key.length} (${JSON.stringify(clip(key))})`);
    }
    if (seen ? seen.has(key) : keyBefore(out, i, key)) {
      return fail(RejectionCode.INVALID_ATTRIBUTE, `${field}[${i}].key: expected unique keys, received ${JSON.stringify(clip(key))} twice`);
    }
    seen?.add(key);
    // The common values (a string within the cap, a finite number, a boolean) are checked here, without
    // building the value's path; the rest, and every failure, by checkValue.
    if (!(typeof value === 'string' ? value.length <= limits.maxStringLength : typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))) {
      const problem = checkValue(`${field}[${i}].value`, value, limits, 0);
      if (problem) return problem;
    }
    if (typeof value === 'object') {
      const size = Buffer.byteLength(canonicalJson(value));
      if (size > limits.maxAttributeValueBytes) {
        return fail(RejectionCode.TOO_LARGE, `${field}[${i}].value: expected at most ${limits.maxAttributeValueBytes} bytes of JSON, received ${size}`);
      }
    }
    out[i] = { key, value };
  }
  return out;
}

/** Lists longer than this check key uniqueness with a set. */
const UNIQUE_SCAN_MAX = 16;

// Private: whether one of the first `count` attributes of `out` has `key`.
function keyBefore(out: readonly Attribute[], count: number, key: string): boolean {
  for (let j = 0; j < count; j++) if (out[j]!.key === key) return true;
  return false;
}

// Private: walks one value; the first problem found is reported with its path.
function checkValue(where: string, value: unknown, limits: IngestLimits, depth: number): CheckFailure | null {
  if (depth > MAX_ATTRIBUTE_VALUE_DEPTH) return fail(RejectionCode.INVALID_ATTRIBUTE, `${where}: expected at most ${MAX_ATTRIBUTE_VALUE_DEPTH} levels of nesting`);
  switch (typeof value) {
    case 'string':
      if (value.length > limits.maxStringLength) {
        return fail(RejectionCode.STRING_TOO_LONG, `${where}: expected at most ${limits.maxStringLength} characters, received ${value.length}`);
      }
      return null;
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : fail(RejectionCode.INVALID_ATTRIBUTE, `${where}: expected a finite number, received ${value}`);
    case 'object': {
      if (value === null) return fail(RejectionCode.INVALID_ATTRIBUTE, `${where}: expected a string, number, boolean, array or object, received null`);
      const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
      for (const [k, v] of entries) {
        const problem = checkValue(`${where}.${k}`, v, limits, depth + 1);
        if (problem) return problem;
      }
      return null;
    }
    default:
      return fail(RejectionCode.INVALID_ATTRIBUTE, `${where}: expected a string, number, boolean, array or object, received ${describe(value)}`);
  }
}
