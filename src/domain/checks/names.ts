import { clip } from '../ids';
import { RejectionCode } from '../span';
import { fail, type CheckFailure, type SpanCheck } from './check';

/** Service and operation names: non-empty after trimming, at most `maxNameLength` characters. */
export const namesCheck: SpanCheck = {
  name: 'names',
  run(input, draft, ctx) {
    const service = checkName('service', input.service, ctx.limits.maxNameLength);
    if (typeof service !== 'string') return service;
    const operation = checkName('operation', input.operation, ctx.limits.maxNameLength);
    if (typeof operation !== 'string') return operation;
    draft.service = service;
    draft.operation = operation;
    return null;
  },
};

/** Shared with events and metrics: the normalised (trimmed) name, or why it is refused. */
export function checkName(field: string, value: string, max: number): string | CheckFailure {
  const name = value.trim();
  if (name.length === 0) return fail(RejectionCode.INVALID_NAME, `${field}: expected a non-empty name, received ${JSON.stringify(value)}`);
  if (name.length > max) {
    return fail(RejectionCode.STRING_TOO_LONG, `${field}: expected at most ${max} characters, received ${name.length} (${JSON.stringify(clip(name))})`);
  }
  return name;
}
