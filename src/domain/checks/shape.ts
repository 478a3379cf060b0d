import { describe } from '../ids';
import { RejectionCode } from '../span';
import { fail, type SpanCheck } from './check';

const REQUIRED_STRINGS = ['traceId', 'spanId', 'service', 'operation', 'startTime', 'endTime'] as const;
const OPTIONAL_LISTS = ['attributes', 'metrics', 'events'] as const;

/** Callers other than GraphQL (OTLP, Zipkin) are not type-checked by a schema: check the shape once here. */
export const shapeCheck: SpanCheck = {
  name: 'shape',
  run(input) {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      return fail(RejectionCode.INVALID_FIELD, `span: expected an object, received ${describe(input)}`);
    }
    for (const field of REQUIRED_STRINGS) {
      if (typeof input[field] !== 'string') {
        return fail(RejectionCode.INVALID_FIELD, `${field}: expected a string, received ${describe(input[field])}`);
      }
    }
    for (const field of OPTIONAL_LISTS) {
      const value = input[field];
      if (value != null && !Array.isArray(value)) {
        return fail(RejectionCode.INVALID_FIELD, `${field}: expected a list, received ${describe(value)}`);
      }
    }
    if (input.result != null && (typeof input.result !== 'object' || Array.isArray(input.result))) {
      return fail(RejectionCode.INVALID_FIELD, `result: expected an object, received ${describe(input.result)}`);
    }
    return null;
  },
};
