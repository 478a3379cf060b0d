/**
 * W3C Trace Context ids (https://www.w3.org/TR/trace-context/#trace-id): a trace id is 16 bytes, a span id
 * 8 bytes, both written as lowercase hex; an all-zero id is invalid. Input is case-insensitive.
 */
export const TRACE_ID_HEX_LENGTH = 32;
export const SPAN_ID_HEX_LENGTH = 16;

const HEX = /^[0-9a-f]+$/;

export type IdParse = { ok: true; id: string } | { ok: false; reason: string };

/** Normalises a trace id to lowercase, or says why it is not one. */
export function parseTraceId(value: unknown): IdParse {
  return parseHexId(value, TRACE_ID_HEX_LENGTH);
}

/** Normalises a span id (or parent span id) to lowercase, or says why it is not one. */
export function parseSpanId(value: unknown): IdParse {
  return parseHexId(value, SPAN_ID_HEX_LENGTH);
}

// Private: one rule for both id kinds, the message names what was expected and what was received. The ids of a
// well-formed span are read character by character (no pattern, no copy when already lowercase); anything else
// takes the checks that word the refusal.
function parseHexId(value: unknown, length: number): IdParse {
  if (typeof value === 'string' && value.length === length) {
    let upper = false;
    let zero = true;
    let i = 0;
    for (; i < length; i++) {
      const c = value.charCodeAt(i);
      if (c === 48) continue;
      zero = false;
      if ((c >= 49 && c <= 57) || (c >= 97 && c <= 102)) continue;
      if (c >= 65 && c <= 70) upper = true;
      else break;
    }
    if (i === length && !zero) return { ok: true, id: upper ? value.toLowerCase() : value };
  }
  return refuseHexId(value, length);
}

// Private: the refusal of what is not an id of `length` hex digits (or an all-zero one), with its reason.
function refuseHexId(value: unknown, length: number): IdParse {
  const expected = `${length} hex digits, not all zero`;
  if (typeof value !== 'string') return { ok: false, reason: `expected ${expected}, received ${describe(value)}` };
  const id = value.toLowerCase();
  if (id.length !== length || !HEX.test(id)) {
    return { ok: false, reason: `expected ${expected}, received ${JSON.stringify(clip(value))} (${value.length} characters)` };
  }
  if (/^0+$/.test(id)) return { ok: false, reason: `expected ${expected}, received an all-zero id` };
  return { ok: true, id };
}

/** A short description of a received value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `the string ${JSON.stringify(clip(value))}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** Keeps echoed client values short in messages and logs. */
export function clip(text: string, max = 64): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}
