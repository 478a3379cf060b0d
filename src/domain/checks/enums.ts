import { describe } from '../ids';
import { RejectionCode, SPAN_KINDS, STATUS_CODES, type SpanKind, type StatusCode } from '../span';
import { fail, type SpanCheck } from './check';

/** kind defaults to INTERNAL and status to UNSET, as in the schema's SpanInput defaults. */
export const enumsCheck: SpanCheck = {
  name: 'enums',
  run(input, draft) {
    const kind = input.kind ?? 'INTERNAL';
    if (!(SPAN_KINDS as readonly unknown[]).includes(kind)) {
      return fail(RejectionCode.INVALID_FIELD, `kind: expected one of ${SPAN_KINDS.join(', ')}, received ${describe(kind)}`);
    }
    const status = input.status ?? 'UNSET';
    if (!isStatusCode(status)) {
      return fail(RejectionCode.INVALID_FIELD, `status: expected one of ${STATUS_CODES.join(', ')}, received ${describe(status)}`);
    }
    draft.kind = kind as SpanKind;
    draft.status = status;
    return null;
  },
};

export function isStatusCode(value: unknown): value is StatusCode {
  return (STATUS_CODES as readonly unknown[]).includes(value);
}
