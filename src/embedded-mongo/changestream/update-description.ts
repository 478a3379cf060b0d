/**
 * An update event's `updateDescription`, computed from the before and after images the way MongoDB reports
 * updates: changed or added fields as dotted paths (descending into embedded documents, and into arrays whose
 * elements changed in place or were appended), removed fields, and arrays that became shorter (`truncatedArrays`,
 * with their changed elements reported separately). A changed value of a different type is reported whole.
 */
import type { Document } from 'bson';
import { isPlainDocument, keyOf } from '../engine';

export interface UpdateDescription {
  updatedFields: Document;
  removedFields: string[];
  truncatedArrays: Array<{ field: string; newSize: number }>;
}

export function describeUpdate(before: Document, after: Document): UpdateDescription {
  const out: UpdateDescription = { updatedFields: {}, removedFields: [], truncatedArrays: [] };
  diffDocuments(before, after, '', out);
  return out;
}

// Private: field-by-field; `_id` never changes in an update, so it needs no special case.
function diffDocuments(before: Document, after: Document, prefix: string, out: UpdateDescription): void {
  for (const key of Object.keys(before)) {
    if (!(key in after) || after[key] === undefined) out.removedFields.push(prefix + key);
  }
  for (const key of Object.keys(after)) {
    if (after[key] === undefined) continue;
    diffValues(before[key], after[key], prefix + key, out);
  }
}

// Private: recurse into same-shaped containers, otherwise report the new value whole.
function diffValues(was: unknown, now: unknown, path: string, out: UpdateDescription): void {
  if (was !== undefined && keyOf(was) === keyOf(now) && sameType(was, now)) return;
  if (isPlainDocument(was) && isPlainDocument(now)) {
    diffDocuments(was, now, `${path}.`, out);
    return;
  }
  if (Array.isArray(was) && Array.isArray(now)) {
    if (now.length < was.length) out.truncatedArrays.push({ field: path, newSize: now.length });
    for (let i = 0; i < now.length; i++) {
      if (i >= was.length) out.updatedFields[`${path}.${i}`] = now[i];
      else diffValues(was[i], now[i], `${path}.${i}`, out);
    }
    return;
  }
  out.updatedFields[path] = now;
}

// Private: keyOf treats 1, 1.0 and Long(1) as equal (query semantics); an update from one to another is a change.
function sameType(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (a === null || b === null || typeof a !== 'object') return true;
  return (a as { _bsontype?: string })._bsontype === (b as { _bsontype?: string })._bsontype && Array.isArray(a) === Array.isArray(b);
}
