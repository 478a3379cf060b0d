/**
 * User variables (`let` on a command, `c` on an update statement): named values that `$$name` refers to in `$expr`
 * filters, aggregation expressions and pipeline updates. MongoDB evaluates each definition as an aggregation
 * expression once per command (so `{ x: { $add: [1, 2] } }` defines x = 3) and checks the names.
 */
import type { Document } from 'bson';
import { aggregate as mingoAggregate } from 'mingo';
import { isPlainDocument } from '../engine';
import { MongoCommandError } from '../errors';
import { MINGO_OPTIONS } from './filter';
import { withMingo } from './mingo-errors';

/** Variables in scope for one command; `undefined` when it defines none. */
export type Variables = Readonly<Document> | undefined;

/** mongod's rule for user variable names: a lowercase ASCII letter or a non-ASCII character first, then letters,
 *  digits, `_` or non-ASCII characters. */
const VALID_NAME = /^[a-z\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*$/;

/**
 * Evaluates a `let` (or `c`) document into variable values; `field` names it in errors (e.g. `update.let`).
 * Returns `inherited` unchanged when `spec` is absent; definitions override inherited variables of the same name.
 */
export function evaluateVariables(spec: unknown, field: string, inherited?: Variables): Variables {
  if (spec === undefined || spec === null) return inherited;
  if (!isPlainDocument(spec)) {
    throw new MongoCommandError('TypeMismatch', `BSON field '${field}' is the wrong type '${Array.isArray(spec) ? 'array' : typeof spec}', expected type 'object'`);
  }
  for (const name of Object.keys(spec)) {
    if (name.length === 0) throw new MongoCommandError('Location16869', 'empty variable names are not allowed');
    if (!VALID_NAME.test(name)) {
      throw new MongoCommandError('Location16870', `'${name}' starts with an invalid character for a user variable name`);
    }
  }
  if (Object.keys(spec).length === 0) return inherited;
  const [values] = withMingo(() => mingoAggregate([{}], [{ $addFields: spec }], { ...MINGO_OPTIONS, variables: inherited ?? {} }));
  return { ...(inherited ?? {}), ...(values as Document) };
}
