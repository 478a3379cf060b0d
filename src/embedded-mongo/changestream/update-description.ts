/**
 * An update event's `updateDescription`, computed from the before and after images the way MongoDB reports
 * updates: changed or added fields as dotted paths (descending into embedded documents, and into arrays whose
 * elements changed in place or were appended), removed fields, and arrays that became shorter (`truncatedArrays`,
 * with their changed elements reported separately). A changed value of a different type is reported whole.
 *
 * With `showExpandedEvents`, `disambiguatedPaths` maps each reported path that a dotted string cannot describe
 * unambiguously (a field name that contains a dot or is all digits, so it reads like an array index) to its
 * components, array indexes as integers: `{ 'a.0.1': ['a', 0, '1'] }`. It is `{}` when no path is ambiguous.
 */
import { Int32, type Document } from 'bson';
import { isPlainDocument, keyOf } from '../engine';

export interface UpdateDescription {
  updatedFields: Document;
  removedFields: string[];
  truncatedArrays: Array<{ field: string; newSize: number }>;
  disambiguatedPaths?: Document;
}

/** A path's components: field names (strings) and array indexes (numbers). */
type PathParts = ReadonlyArray<string | number>;

interface Collector {
  readonly out: UpdateDescription;
  readonly disambiguated: Document | undefined;
}

export function describeUpdate(before: Document, after: Document, showExpandedEvents = false): UpdateDescription {
  const out: UpdateDescription = { updatedFields: {}, removedFields: [], truncatedArrays: [] };
  const collector: Collector = { out, disambiguated: showExpandedEvents ? {} : undefined };
  diffDocuments(before, after, [], collector);
  if (collector.disambiguated) out.disambiguatedPaths = collector.disambiguated;
  return out;
}

// Private: the dotted path, noting its components when a field name makes the dotted form ambiguous.
function pathOf(parts: PathParts, collector: Collector): string {
  const path = parts.join('.');
  if (collector.disambiguated && parts.some((p) => typeof p === 'string' && (p.includes('.') || /^\d+$/.test(p)))) {
    collector.disambiguated[path] = parts.map((p) => (typeof p === 'number' ? new Int32(p) : p));
  }
  return path;
}

// Private: field-by-field; `_id` never changes in an update, so it needs no special case.
function diffDocuments(before: Document, after: Document, prefix: PathParts, collector: Collector): void {
  for (const key of Object.keys(before)) {
    if (!(key in after) || after[key] === undefined) collector.out.removedFields.push(pathOf([...prefix, key], collector));
  }
  for (const key of Object.keys(after)) {
    if (after[key] === undefined) continue;
    diffValues(before[key], after[key], [...prefix, key], collector);
  }
}

// Private: recurse into same-shaped containers, otherwise report the new value whole.
function diffValues(was: unknown, now: unknown, parts: PathParts, collector: Collector): void {
  if (was !== undefined && keyOf(was) === keyOf(now) && sameType(was, now)) return;
  if (isPlainDocument(was) && isPlainDocument(now)) {
    diffDocuments(was, now, parts, collector);
    return;
  }
  if (Array.isArray(was) && Array.isArray(now)) {
    if (now.length < was.length) collector.out.truncatedArrays.push({ field: pathOf(parts, collector), newSize: now.length });
    for (let i = 0; i < now.length; i++) {
      if (i >= was.length) collector.out.updatedFields[pathOf([...parts, i], collector)] = now[i];
      else diffValues(was[i], now[i], [...parts, i], collector);
    }
    return;
  }
  collector.out.updatedFields[pathOf(parts, collector)] = now;
}

// Private: keyOf treats 1, 1.0 and Long(1) as equal (query semantics); an update from one to another is a change.
function sameType(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (a === null || b === null || typeof a !== 'object') return true;
  return (a as { _bsontype?: string })._bsontype === (b as { _bsontype?: string })._bsontype && Array.isArray(a) === Array.isArray(b);
}
