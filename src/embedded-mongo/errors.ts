/**
 * MongoDB server error codes this store answers with (names and numbers from mongod's
 * `src/mongo/base/error_codes.yml`), and the error class commands throw to produce an `ok: 0` reply.
 */
import type { Document } from 'bson';

export const ErrorCodes = {
  InternalError: 1,
  BadValue: 2,
  FailedToParse: 9,
  Unauthorized: 13,
  TypeMismatch: 14,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  PathNotViable: 28,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NoMatchingDocument: 47,
  NamespaceExists: 48,
  DollarPrefixedFieldName: 52,
  CommandNotFound: 59,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  InvalidPipelineOperator: 168,
  NotImplemented: 238,
  InvalidResumeToken: 260,
  ChangeStreamFatalError: 280,
  /** The store is stopping (an index build it interrupted resumes at the next start). */
  InterruptedAtShutdown: 11600,
  /** An index build stopped before it completed (its collection or index dropped meanwhile). */
  IndexBuildAborted: 276,
  ChangeStreamHistoryLost: 286,
  /** An operation refused while an index build runs on the collection (renameCollection). */
  BackgroundOperationInProgressForNamespace: 12587,
  /** Atlas Search index commands on a deployment without Atlas Search. */
  SearchNotEnabled: 31082,
  DuplicateKey: 11000,
  BSONObjectTooLarge: 10334,
  /** The data directory's disk (or file size limit) refused a commit: the write is not acknowledged. */
  OutOfDiskSpace: 14031,
  /** An index key longer than the storage engine's key limit. */
  KeyTooLong: 17280,
  /** `$group` with an unknown accumulator. */
  Location15952: 15952,
  /** `$group` without `_id`. */
  Location15955: 15955,
  /** A `$group` output field that is not an accumulator object. */
  Location40234: 40234,
  /** An empty user variable name. */
  Location16869: 16869,
  /** A user variable name with an invalid first character. */
  Location16870: 16870,
  /** `$$name` of a variable that is not defined. */
  Location17276: 17276,
  /** `c` (constants) on an update statement that is not a pipeline update. */
  Location51198: 51198,
  /** `$documents` whose value is not an array of documents. */
  Location5858203: 5858203,
  /** Unknown aggregation stage. */
  Location40324: 40324,
  /** A required field of a command's option is missing. */
  Location40414: 40414,
  /** Unknown field in a command or in a `$changeStream` stage's options. */
  Location40415: 40415,
  /** `$changeStream` where change streams are unavailable. */
  Location40573: 40573,
} as const;
export type ErrorCodeName = keyof typeof ErrorCodes;

/** A command failure: becomes `{ ok: 0, errmsg, code, codeName, ...extra }` (or a `writeErrors` entry). */
export class MongoCommandError extends Error {
  readonly code: number;
  constructor(
    readonly codeName: ErrorCodeName,
    message: string,
    readonly extra: Document = {},
  ) {
    super(message);
    this.name = 'MongoCommandError';
    this.code = ErrorCodes[codeName];
  }

  /** The reply fields (without `ok`). */
  toReplyFields(): Document {
    return { errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
  }
}
