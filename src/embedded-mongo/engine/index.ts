export { Engine, WriteUnit } from './engine';
export { Collection, ID_INDEX_NAME, ID_INDEX_SPEC, type PlanStage, type ReadPlan } from './collection';
export { Index, duplicateKey, type IndexKeys } from './index-store';
export type { OplogOp, OplogEntry, CommitListener } from './oplog';
export { keyOf, valuesAtPath, getPath, isPlainDocument, cloneDocument, compareValues } from './values';
