/** Privacy of chain data: redaction rules applied at ingest, before storage. Imports only `domain`. */
export {
  DEFAULT_RULES,
  REDACTION_KEY_VARIABLE,
  REDACTION_VARIABLE,
  RedactionConfigError,
  compilePolicy,
  describePolicy,
  loadRedactionPolicy,
  type RedactionAction,
  type RedactionPolicy,
  type RedactionSettings,
  type RuleSpec,
} from './policy';
export { luhn, type BuiltinDetector } from './detectors';
export { HASH_PREFIX, Redactor } from './redactor';
