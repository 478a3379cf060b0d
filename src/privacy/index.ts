/** Privacy of chain data: redaction rules applied at ingest, before storage. Imports only `domain`. */
export {
  DEFAULT_RULES,
  REDACTION_ACTIONS,
  REDACTION_KEY_VARIABLE,
  REDACTION_VARIABLE,
  MIN_KEY_LENGTH,
  RedactionConfigError,
  compilePolicy,
  describePolicy,
  loadRedactionPolicy,
  type RedactionAction,
  type RedactionPolicy,
  type RedactionSettings,
  type RuleSpec,
} from './policy';
export { BUILTIN_DETECTORS, luhn, type BuiltinDetector } from './detectors';
export { HASH_PREFIX, Redactor, URL_ATTRIBUTE_KEYS } from './redactor';
