/** Maps mingo's exceptions onto MongoDB's error codes and wording, so bad input never looks like a crash. */
import { MongoCommandError } from '../errors';

const RULES: Array<[RegExp, (m: RegExpMatchArray) => MongoCommandError]> = [
  [/Use of undefined variable: (\S+)/, (m) => new MongoCommandError('Location17276', `Use of undefined variable: ${m[1]}`)],
  [/unknown query operator (\$\w+)/i, (m) => new MongoCommandError('BadValue', `unknown operator: ${m[1]}`)],
  [/unregistered pipeline operator (\$\w+)/i, (m) => new MongoCommandError('Location40324', `Unrecognized pipeline stage name: '${m[1]}'`)],
  [/accumulator '(\$\w+)' is not registered/i, (m) => new MongoCommandError('InvalidPipelineOperator', `Unrecognized expression '${m[1]}'`)],
  [/Unknown update operator: '(\$\w+)'/i, (m) => unknownModifier(m[1]!)],
  [/updating the path '([^']*)' would create a conflict at '([^']*)'/i, (m) =>
    new MongoCommandError('ConflictingUpdateOperators', `Updating the path '${m[1]}' would create a conflict at '${m[2]}'`)],
  [/Performing an update on the path '([^']*)' would modify the immutable field '([^']*)'/, (m) =>
    new MongoCommandError('ImmutableField', `Performing an update on the path '${m[1]}' would modify the immutable field '${m[2]}'`)],
];

export function unknownModifier(name: string): MongoCommandError {
  return new MongoCommandError(
    'FailedToParse',
    `Unknown modifier: ${name}. Expected a valid update modifier or pipeline-style update specified as an array`,
  );
}

/** Runs `fn`; a mingo error becomes the matching MongoCommandError (BadValue when no rule fits). */
export function withMingo<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw translateMingoError(err);
  }
}

export function translateMingoError(err: unknown): unknown {
  if (err instanceof MongoCommandError || !(err instanceof Error)) return err;
  for (const [pattern, make] of RULES) {
    const m = err.message.match(pattern);
    if (m) return make(m);
  }
  if (err.name === 'MingoError') return new MongoCommandError('BadValue', err.message);
  return err;
}
