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
  const lone = loneSurrogateAt(value);
  if (lone !== -1) return loneSurrogate(field, value, lone);
  const name = value.trim();
  if (name.length === 0) return fail(RejectionCode.INVALID_NAME, `${field}: expected a non-empty name, received ${JSON.stringify(value)}`);
  if (name.length > max) {
    return fail(RejectionCode.STRING_TOO_LONG, `${field}: expected at most ${max} characters, received ${name.length} (${JSON.stringify(clip(name))})`);
  }
  return name;
}

/** The index of the first lone UTF-16 surrogate in `text`, or -1 (a well-formed string). */
export function loneSurrogateAt(text: string): number {
  // Most text is well-formed (a string of one-byte characters holds no surrogate at all): the engine's own check
  // answers that without a pattern; only other text is searched for the position.
  if ((text as unknown as WellFormedCheck).isWellFormed()) return -1;
  // In a `u` regex a surrogate pair is one code point, so this class matches only unpaired surrogates.
  const match = LONE_SURROGATE.exec(text);
  return match ? match.index : -1;
}

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** String.prototype.isWellFormed (ES2024, in Node 20), not in the ES2022 library the project compiles against. */
interface WellFormedCheck {
  isWellFormed(): boolean;
}

/** The refusal of a string with a lone surrogate: stored as UTF-8 it would silently become U+FFFD. */
export function loneSurrogate(field: string, value: string, at: number): CheckFailure {
  const unit = value.charCodeAt(at).toString(16).toUpperCase();
  return fail(RejectionCode.INVALID_UNICODE, `${field}: expected well-formed Unicode text, received a lone UTF-16 surrogate \\u${unit} at position ${at}`);
}
