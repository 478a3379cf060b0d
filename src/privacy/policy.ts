/**
 * Redaction rules: the defaults, the rules file (JSON or YAML) that replaces or extends them, and their
 * validation into a `RedactionPolicy`. Validated once, at start: a bad rule raises RedactionConfigError
 * naming the rule and what was expected. The HMAC key never appears in a message.
 *
 * A rule is one of
 *   { name, key: glob | [glob, ...], action? }   by attribute key (or JSON property name / dotted path)
 *   { name, detector: card|email|bearer|jwt, action? }   by value, built-in detector
 *   { name, pattern: "<RE2 regular expression>", action? }   by value, user pattern
 * with action `drop`, `mask` or `hash`; without one: `hash` when a key is set, else `mask`.
 */
import picomatch from 'picomatch';
import { parse as parseYaml } from 'yaml';
import { BUILTIN, BUILTIN_DETECTORS, patternDetector, type BuiltinDetector, type Detector } from './detectors';

export const REDACTION_VARIABLE = 'TRACEGATE_REDACTION';
export const REDACTION_KEY_VARIABLE = 'TRACEGATE_REDACTION_KEY';
export const MIN_KEY_LENGTH = 16;

export const REDACTION_ACTIONS = ['drop', 'mask', 'hash'] as const;
export type RedactionAction = (typeof REDACTION_ACTIONS)[number];

/** One rule as written in a rules file (or the defaults). */
export interface RuleSpec {
  name: string;
  key?: string | readonly string[];
  detector?: BuiltinDetector;
  pattern?: string;
  action?: RedactionAction;
}

/** The rules applied when nothing is configured. */
export const DEFAULT_RULES: readonly RuleSpec[] = [
  { name: 'password', key: '*password*' },
  { name: 'secret', key: '*secret*' },
  { name: 'token', key: '*token*' },
  { name: 'authorization', key: '*authorization*' },
  { name: 'card', detector: 'card' },
  { name: 'email', detector: 'email' },
  { name: 'bearer', detector: 'bearer' },
  { name: 'jwt', detector: 'jwt' },
];

export interface KeyRule {
  readonly kind: 'key';
  readonly name: string;
  readonly action: RedactionAction;
  /** Case-insensitive; `*` matches any characters, dots included. */
  readonly matches: (key: string) => boolean;
}

export interface ValueRule {
  readonly kind: 'value';
  readonly name: string;
  readonly action: RedactionAction;
  readonly detector: Detector;
}

export type RedactionPolicy =
  | { readonly enabled: false }
  | {
      readonly enabled: true;
      readonly keyRules: readonly KeyRule[];
      readonly valueRules: readonly ValueRule[];
      /** HMAC-SHA-256 key; null: no `hash` action is possible and defaults mask. */
      readonly hmacKey: Buffer | null;
      /** Where the rules came from, for the start-up line. */
      readonly source: string;
    };

/** A bad redaction setting or rule; the message names the rule and the problem. */
export class RedactionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedactionConfigError';
  }
}

export interface RedactionSettings {
  /** TRACEGATE_REDACTION: unset (defaults), `off`, or a rules file path. */
  setting?: string | undefined;
  /** TRACEGATE_REDACTION_KEY */
  key?: string | undefined;
  readFile: (path: string) => string;
}

/** The policy from the two settings; throws RedactionConfigError. */
export function loadRedactionPolicy(settings: RedactionSettings): RedactionPolicy {
  const setting = settings.setting?.trim() ?? '';
  if (setting.toLowerCase() === 'off') return { enabled: false };
  const key = settings.key ?? '';
  if (key !== '' && key.length < MIN_KEY_LENGTH) {
    throw new RedactionConfigError(`${REDACTION_KEY_VARIABLE}: expected at least ${MIN_KEY_LENGTH} characters (e.g. 32 random bytes in hex), received ${key.length}`);
  }
  const hmacKey = key === '' ? null : Buffer.from(key, 'utf8');
  if (setting === '') return compilePolicy(DEFAULT_RULES, hmacKey, 'default rules');
  let text: string;
  try {
    text = settings.readFile(setting);
  } catch (error) {
    throw new RedactionConfigError(`${REDACTION_VARIABLE}=${JSON.stringify(setting)}: expected "off" or a readable rules file (JSON or YAML), could not read it: ${(error as Error).message}`);
  }
  const where = `${REDACTION_VARIABLE} file ${JSON.stringify(setting)}`;
  const file = parseRulesFile(text, setting, where);
  const own = file.rules.map((rule, index) => compileRule(rule, index, where, hmacKey));
  const source = `${setting} (${file.defaults === 'replace' ? 'replacing' : 'extending'} the defaults)`;
  if (file.defaults === 'replace') return assemble(own, hmacKey, source, where);
  // A file rule named like a default replaces it (to change its action, say); the other defaults stay first.
  const defaults = DEFAULT_RULES.map((rule, index) => own.find((r) => r.name === rule.name) ?? compileRule(rule, index, 'default rules', hmacKey));
  return assemble([...defaults, ...own.filter((r) => !DEFAULT_RULES.some((d) => d.name === r.name))], hmacKey, source, where);
}

/**
 * Validates and compiles rules in order. `where` prefixes messages ("<where>: rule 3 ("customer-id"): ...").
 * Rule names are unique.
 */
export function compilePolicy(rules: readonly RuleSpec[], hmacKey: Buffer | null, source: string, where = 'redaction rules'): RedactionPolicy {
  return assemble(rules.map((rule, index) => compileRule(rule, index, where, hmacKey)), hmacKey, source, where);
}

type CompiledRule = KeyRule | ValueRule;

// Private: unique names, then key rules and value rules each in their given order.
function assemble(compiled: readonly CompiledRule[], hmacKey: Buffer | null, source: string, where: string): RedactionPolicy {
  const seen = new Set<string>();
  for (const rule of compiled) {
    if (seen.has(rule.name)) throw new RedactionConfigError(`${where}: rule ${JSON.stringify(rule.name)}: expected a unique rule name, received it twice`);
    seen.add(rule.name);
  }
  return {
    enabled: true,
    keyRules: compiled.filter((r): r is KeyRule => r.kind === 'key'),
    valueRules: compiled.filter((r): r is ValueRule => r.kind === 'value'),
    hmacKey,
    source,
  };
}

// Private: one rule; messages name its position and name.
function compileRule(rule: RuleSpec, index: number, where: string, hmacKey: Buffer | null): CompiledRule {
  const named = typeof rule === 'object' && rule !== null && typeof rule.name === 'string';
  const label = `${where}: rule ${index + 1}${named ? ` (${JSON.stringify(rule.name)})` : ''}`;
  const fail = (problem: string): never => {
    throw new RedactionConfigError(`${label}: ${problem}`);
  };
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return fail(`expected an object with name, one of key/detector/pattern, and action, received ${describe(rule)}`);
  const known = new Set(['name', 'key', 'detector', 'pattern', 'action']);
  for (const field of Object.keys(rule)) if (!known.has(field)) fail(`expected fields name, key, detector, pattern, action, received unknown field ${JSON.stringify(field)}`);
  if (typeof rule.name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(rule.name)) fail(`expected name of 1-64 letters, digits, "_", ".", "-", received ${describe(rule.name)}`);
  const given = (['key', 'detector', 'pattern'] as const).filter((f) => rule[f] !== undefined);
  if (given.length !== 1) fail(`expected exactly one of key, detector, pattern, received ${given.length === 0 ? 'none' : given.join(' and ')}`);
  if (rule.action !== undefined && !(REDACTION_ACTIONS as readonly string[]).includes(rule.action as string)) {
    fail(`expected action drop, mask or hash, received ${describe(rule.action)}`);
  }
  if (rule.action === 'hash' && hmacKey === null) fail(`action hash needs ${REDACTION_KEY_VARIABLE} (an HMAC key of at least ${MIN_KEY_LENGTH} characters), which is unset`);
  const action: RedactionAction = rule.action ?? (hmacKey ? 'hash' : 'mask');
  if (rule.key !== undefined) {
    const globs = typeof rule.key === 'string' ? [rule.key] : rule.key;
    if (!Array.isArray(globs) || globs.length === 0 || !globs.every((g) => typeof g === 'string' && g.trim() !== '')) {
      fail(`expected key to be a glob or a non-empty list of globs (e.g. "*.password"), received ${describe(rule.key)}`);
    }
    const matcher = picomatch(globs as string[], { nocase: true, dot: true, bash: true });
    return { kind: 'key', name: rule.name, action, matches: (key) => matcher(key) };
  }
  if (rule.detector !== undefined) {
    if (!(BUILTIN_DETECTORS as readonly string[]).includes(rule.detector as string)) fail(`expected detector one of ${BUILTIN_DETECTORS.join(', ')}, received ${describe(rule.detector)}`);
    return { kind: 'value', name: rule.name, action, detector: BUILTIN[rule.detector] };
  }
  if (typeof rule.pattern !== 'string' || rule.pattern === '') fail(`expected pattern to be a non-empty regular expression, received ${describe(rule.pattern)}`);
  let detector: Detector;
  try {
    detector = patternDetector(rule.pattern as string);
  } catch (error) {
    return fail(`expected a regular expression RE2 accepts (linear time: no backreferences or lookaround) that needs at least one character, received ${JSON.stringify(rule.pattern)}: ${(error as Error).message}`);
  }
  return { kind: 'value', name: rule.name, action, detector };
}

/** A start-up line that says plainly what redaction does. */
export function describePolicy(policy: RedactionPolicy): string {
  if (!policy.enabled) return `REDACTION OFF (${REDACTION_VARIABLE}=off): span values are stored exactly as sent, card numbers, e-mails and tokens included`;
  const rules = [...policy.keyRules, ...policy.valueRules].map((r) => `${r.name}:${r.action}`).join(', ');
  return `redaction ON: ${policy.source}; ${rules}; ${policy.hmacKey ? 'hashing with HMAC-SHA-256' : `no ${REDACTION_KEY_VARIABLE}: values are masked, hashedAttributes unavailable`}`;
}

interface RulesFile {
  defaults: 'extend' | 'replace';
  rules: RuleSpec[];
}

// Private: { defaults?: extend|replace, rules: [...] }; a file of `.json` parses as JSON, anything else as YAML.
function parseRulesFile(text: string, path: string, where: string): RulesFile {
  let doc: unknown;
  try {
    doc = path.toLowerCase().endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new RedactionConfigError(`${where}: expected ${path.toLowerCase().endsWith('.json') ? 'JSON' : 'YAML'}, could not parse it: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new RedactionConfigError(`${where}: expected an object with "rules" (and optionally "defaults"), received ${describe(doc)}`);
  const { defaults = 'extend', rules, ...rest } = doc as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new RedactionConfigError(`${where}: expected fields defaults and rules, received unknown field ${JSON.stringify(extra[0])}`);
  if (defaults !== 'extend' && defaults !== 'replace') throw new RedactionConfigError(`${where}: expected defaults "extend" or "replace", received ${describe(defaults)}`);
  if (!Array.isArray(rules)) throw new RedactionConfigError(`${where}: expected "rules" to be a list of rules, received ${describe(rules)}`);
  return { defaults, rules: rules as RuleSpec[] };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : JSON.stringify(value);
}
