import { describe } from '../ids';
import { RejectionCode } from '../span';
import { fail, type CheckFailure, type SpanCheck } from './check';

/** Callers other than GraphQL (OTLP, Zipkin) are not type-checked by a schema: check the shape once here. */
export const shapeCheck: SpanCheck = {
  name: 'shape',
  run(input) {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      return fail(RejectionCode.INVALID_FIELD, `span: expected an object, received ${describe(input)}`);
    }
    // Each field read by name (a loop over the names reads them by a computed key, several times slower).
    if (typeof input.traceId !== 'string') return notString('traceId', input.traceId);
    if (typeof input.spanId !== 'string') return notString('spanId', input.spanId);
    if (typeof input.service !== 'string') return notString('service', input.service);
    if (typeof input.operation !== 'string') return notString('operation', input.operation);
    if (typeof input.startTime !== 'string') return notString('startTime', input.startTime);
    if (typeof input.endTime !== 'string') return notString('endTime', input.endTime);
    if (input.attributes != null && !Array.isArray(input.attributes)) return notList('attributes', input.attributes);
    if (input.metrics != null && !Array.isArray(input.metrics)) return notList('metrics', input.metrics);
    if (input.events != null && !Array.isArray(input.events)) return notList('events', input.events);
    if (input.result != null && (typeof input.result !== 'object' || Array.isArray(input.result))) {
      return fail(RejectionCode.INVALID_FIELD, `result: expected an object, received ${describe(input.result)}`);
    }
    return null;
  },
};

function notString(field: string, value: unknown): CheckFailure {
  return fail(RejectionCode.INVALID_FIELD, `${field}: expected a string, received ${describe(value)}`);
}

function notList(field: string, value: unknown): CheckFailure {
  return fail(RejectionCode.INVALID_FIELD, `${field}: expected a list, received ${describe(value)}`);
}
