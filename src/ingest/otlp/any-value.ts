/**
 * `AnyValue` -> the JSON value of a Tracegate attribute. The mapping (documented in docs/ingest.md):
 * string, bool -> themselves; int -> a number when it is a safe integer (|n| <= 2^53 - 1), else its decimal string,
 * so no digit is lost; double -> a number, or "NaN" / "Infinity" / "-Infinity" (JSON has no such numbers);
 * array -> an array; kvlist -> an object (a repeated key: the last one wins); bytes -> a base64 string (as OTLP/JSON
 * spells bytes). An empty AnyValue (no member set) has no Tracegate form, because attribute values are never null
 * (they could not be matched by a filter): it is left out, whether it is an attribute, a kvlist entry or an array
 * element. `undefined` is how "left out" is returned.
 */
import type { AnyValue, KeyValue } from './model';

export function anyValueToJson(v: AnyValue): unknown {
  // Exhaustive over AnyValue['kind']; `undefined` only for 'empty'.
  switch (v.kind) {
    case 'string':
    case 'bool':
      return v.value;
    case 'int':
      return v.value >= BigInt(Number.MIN_SAFE_INTEGER) && v.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v.value) : v.value.toString();
    case 'double':
      return Number.isFinite(v.value) ? v.value : String(v.value);
    case 'array':
      return v.values.map(anyValueToJson).filter((x) => x !== undefined);
    case 'kvlist':
      return keyValuesToObject(v.values);
    case 'bytes':
      return Buffer.from(v.value).toString('base64');
    case 'empty':
      return undefined;
    default: {
      const never: never = v;
      throw new Error(`unhandled AnyValue ${JSON.stringify(never)}`);
    }
  }
}

/** A kvlist as a plain object; keys are data (own properties made with defineProperty, so "__proto__" stays a key). */
export function keyValuesToObject(values: KeyValue[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of values) {
    const value = anyValueToJson(kv.value);
    if (value === undefined) continue;
    Object.defineProperty(out, kv.key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The value of the first attribute with this key, or undefined. */
/** Attributes as `{key, value}` pairs, leaving out those with an empty value; keys get `prefix` in front. */
export function keyValuesToAttributes(values: KeyValue[], prefix = ''): { key: string; value: unknown }[] {
  const out: { key: string; value: unknown }[] = [];
  for (const kv of values) {
    const value = anyValueToJson(kv.value);
    if (value !== undefined) out.push({ key: prefix + kv.key, value });
  }
  return out;
}

export function findAttribute(attributes: KeyValue[], key: string): AnyValue | undefined {
  return attributes.find((a) => a.key === key)?.value;
}
