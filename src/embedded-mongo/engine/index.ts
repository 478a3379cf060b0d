export { Engine, WriteUnit, DEFAULT_OPLOG_RETENTION, SlicedWriteFailure, WRITE_SLICE_MS, BACKGROUND_SLICE_MS, type ApplyHint, type OplogRetention, type WriteStep } from './engine';
export { Collection, ID_INDEX_NAME, ID_INDEX_SPEC, BSON_DECODE_OPTIONS, type PlanStage, type ReadPlan } from './collection';
export { Index, duplicateKey, type EntryKey } from './index-store';
export { Storage, LMDB_DIR } from './storage';
export { FilterShape, prefixRangeShape, type RangeCondition } from './planner';
export type { OplogOp, OplogEntry, CommitListener } from './oplog';
export { keyOf, setKey, valuesAtPath, getPath, isPlainDocument, cloneDocument, compareValues } from './values';
