/**
 * Canonical JSON: object keys sorted, so equal values have equal text. Attribute values are stored and
 * matched as this text, which is why a value such as {"$gt": ""} is only ever data to the store.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

// Private: arrays keep their order; objects are rebuilt with sorted keys.
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}
