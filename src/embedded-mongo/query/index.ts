export { compileFilter, filterFields, select, selectLazily, selectRawLazily, sortDocs, project, MINGO_OPTIONS, type Selection } from './filter';
export { applyUpdate, updateKind, upsertSeed, prepareInsert, type UpdateKind, type UpdateOutcomeDoc } from './update';
export { validatePipeline, runPipeline, searchNotEnabled, SUPPORTED_STAGES, UNSUPPORTED_STAGES, type CollectionReader } from './pipeline';
export { withMingo, translateMingoError } from './mingo-errors';
export { evaluateVariables, type Variables } from './variables';
export { compileRawGroup, type RawGroup } from './fast-group';
