/**
 * TraceQuery -> MongoDB filter on `traces`. Client values appear only as literal operands (`$eq`-style
 * equality on strings and canonical JSON text, numeric bounds), never as field names or operators.
 */
import type { Filter, Sort } from 'mongodb';
import { canonicalJson } from '../../domain';
import type { CursorPosition } from '../cursor';
import type { TraceOrder, TraceQuery } from '../types';
import type { TraceDoc } from './documents';

/**
 * The trace fields a read uses (`fromTraceDoc` and the page cursor's sort key): a trace document also holds
 * every (service, operation) pair and attribute seen in the trace, for filters only, which a reply need not
 * carry nor the gateway decode.
 */
export const TRACE_READ_PROJECTION = { startUs: 1, endUs: 1, durationUs: 1, spanCount: 1, errorCount: 1, services: 1 } as const;

export function traceFilter(query: TraceQuery): Filter<TraceDoc> {
  const and: Filter<TraceDoc>[] = [];
  if (query.service !== undefined && query.operation !== undefined) {
    and.push({ svcOps: { $elemMatch: { s: { $eq: query.service }, o: { $eq: query.operation } } } });
  } else if (query.service !== undefined) {
    and.push({ services: { $eq: query.service } });
  } else if (query.operation !== undefined) {
    and.push({ 'svcOps.o': { $eq: query.operation } });
  }
  if (query.status === 'ERROR') and.push({ errorCount: { $gt: 0 } });
  if (query.status === 'OK') and.push({ errorCount: { $eq: 0 } });
  if (query.minDurationUs !== undefined) and.push({ durationUs: { $gte: query.minDurationUs } });
  if (query.maxDurationUs !== undefined) and.push({ durationUs: { $lte: query.maxDurationUs } });
  if (query.startFromUs !== undefined) and.push({ startUs: { $gte: query.startFromUs } });
  if (query.startToUs !== undefined) and.push({ startUs: { $lte: query.startToUs } });
  for (const attr of query.attributes ?? []) {
    and.push({ attrs: { $elemMatch: { k: { $eq: attr.key }, v: { $eq: canonicalJson(attr.value) } } } });
  }
  return and.length === 0 ? {} : { $and: and };
}

export function sortField(order: TraceOrder): 'startUs' | 'durationUs' {
  return order === 'DURATION_DESC' ? 'durationUs' : 'startUs';
}

export function traceSort(order: TraceOrder): Sort {
  const direction = order === 'START_TIME_ASC' ? 1 : -1;
  return { [sortField(order)]: direction, _id: direction };
}

/** Everything strictly after the cursor's position in the order's (field, _id) sort. */
export function afterFilter(position: CursorPosition): Filter<TraceDoc> {
  const field = sortField(position.order);
  const op = position.order === 'START_TIME_ASC' ? '$gt' : '$lt';
  return {
    $or: [
      { [field]: { [op]: position.key } },
      { [field]: { $eq: position.key }, _id: { [op]: position.traceId } },
    ],
  } as Filter<TraceDoc>;
}
