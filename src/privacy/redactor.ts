/**
 * Applies a RedactionPolicy to a normalised span before it is stored: attribute values, event and link attributes,
 * `result.message` and `result.data` (walking the JSON), and the query parameters of URL-valued attributes.
 *
 * - A key rule matches an attribute key, or inside a JSON value a property name or its dotted path from the
 *   attribute key (`http.request.headers.authorization`); the first matching key rule takes the whole value.
 * - Value rules look inside strings; every match is replaced (mask: `[redacted:<rule>]`, hash:
 *   `hmac:<hex>`), and a `drop` match removes the whole value (attribute, property, array element, message).
 * - URL-valued attributes: only offending query parameters change, judged on their decoded name (key rules)
 *   and value (value rules); every other byte of the URL stays as sent.
 *
 * Each span records how many values were redacted (`redactedCount`), never which; `ruleCounts` keeps the
 * totals per rule for the metrics.
 */
import { createHmac } from 'node:crypto';
import { canonicalJson, type Attribute, type SpanRecord } from '../domain';
import { counter } from '../metrics';
import type { KeyRule, RedactionPolicy, ValueRule } from './policy';

/** Attributes whose string value is a URL (or its query, or a request target): redacted parameter by parameter. */
export const URL_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set(['url.full', 'url.query', 'http.url', 'http.target']);

/** What a hashed value looks like: `hmac:` and the first 128 bits of HMAC-SHA-256, in hex. */
export const HASH_PREFIX = 'hmac:';

const DROP: unique symbol = Symbol('drop');
type Redacted<T> = T | typeof DROP;

const KEY_CACHE_LIMIT = 10_000;

const redactions = counter('tracegate_redactions_total', 'values redacted at ingest before storage, by rule', ['rule']);

export class Redactor {
  private readonly keyRules: readonly KeyRule[];
  private readonly valueRules: readonly ValueRule[];
  private readonly hmacKey: Buffer | null;
  private readonly totals = new Map<string, number>();
  private readonly keyCache = new Map<string, KeyRule | null>();
  private spanCount = 0;

  constructor(readonly policy: RedactionPolicy) {
    this.keyRules = policy.enabled ? policy.keyRules : [];
    this.valueRules = policy.enabled ? policy.valueRules : [];
    this.hmacKey = policy.enabled ? policy.hmacKey : null;
    for (const rule of [...this.keyRules, ...this.valueRules]) {
      this.totals.set(rule.name, 0);
      redactions.inc({ rule: rule.name }, 0);
    }
  }

  get enabled(): boolean {
    return this.policy.enabled;
  }

  /** True when values can be hashed (TRACEGATE_REDACTION_KEY is set and redaction is on). */
  get canHash(): boolean {
    return this.hmacKey !== null;
  }

  /** Redacts `span` in place and, when anything was redacted, sets its `redactedCount`; returns that count. */
  redactSpan(span: SpanRecord): number {
    if (!this.policy.enabled) return 0;
    this.spanCount = 0;
    span.attributes = this.attributes(span.attributes);
    for (const event of span.events) event.attributes = this.attributes(event.attributes);
    for (const link of span.links) link.attributes = this.attributes(link.attributes);
    if (span.result) {
      if (typeof span.result.message === 'string') {
        const message = this.text(span.result.message);
        span.result.message = message === DROP ? null : message;
      }
      if (span.result.data !== null && span.result.data !== undefined) {
        const data = this.json(span.result.data, '');
        span.result.data = data === DROP ? null : data;
      }
    }
    if (this.spanCount > 0) span.redactedCount = this.spanCount;
    return this.spanCount;
  }

  /** Redactions applied so far, by rule name (every rule listed, from 0). */
  ruleCounts(): ReadonlyMap<string, number> {
    return this.totals;
  }

  /**
   * The value a `hash` rule stores for `value` (a string as is, a whole card number by its digits, anything
   * else by its canonical JSON), so a search can hash a clear value and compare. Throws without a key.
   */
  hashValue(value: unknown): string {
    if (typeof value === 'string') {
      for (const rule of this.valueRules) {
        const found = rule.detector.find(value);
        if (found.length === 1 && found[0]![0] === 0 && found[0]![1] === value.length) return this.hmac(rule.detector.normalise(value));
      }
      return this.hmac(value);
    }
    return this.hmac(canonicalJson(value));
  }

  // Private: the attribute list with key rules, URL rules and value rules applied; dropped ones left out.
  private attributes(attributes: Attribute[]): Attribute[] {
    let out: Attribute[] | null = null;
    for (let i = 0; i < attributes.length; i++) {
      const attribute = attributes[i]!;
      const value = this.attribute(attribute.key, attribute.value);
      if (value === DROP) {
        out ??= attributes.slice(0, i);
        continue;
      }
      attribute.value = value;
      out?.push(attribute);
    }
    return out ?? attributes;
  }

  private attribute(key: string, value: unknown): Redacted<unknown> {
    const rule = this.keyRule(key);
    if (rule) return this.whole(rule, value);
    if (typeof value === 'string' && URL_ATTRIBUTE_KEYS.has(key)) return this.url(value, key === 'url.query');
    return this.json(value, key);
  }

  // Private: a key rule takes the whole value.
  private whole(rule: KeyRule, value: unknown): Redacted<unknown> {
    this.count(rule.name);
    switch (rule.action) {
      case 'drop':
        return DROP;
      case 'mask':
        return mask(rule.name);
      case 'hash':
        return this.hmac(typeof value === 'string' ? value : canonicalJson(value));
    }
  }

  // Private: any JSON value; `path` is the dotted path of its property names ('' at the root of result.data).
  // Copy on write: a value nothing is redacted from comes back as the same object, and an array or object is
  // copied only from its first changed element or property on (the ones before it taken as they are).
  private json(value: unknown, path: string): Redacted<unknown> {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) {
      let out: unknown[] | null = null;
      for (let i = 0; i < value.length; i++) {
        const element: unknown = value[i];
        const redacted = this.json(element, path);
        if (out === null) {
          if (redacted === element) continue;
          out = value.slice(0, i);
        }
        if (redacted !== DROP) out.push(redacted);
      }
      return out ?? value;
    }
    if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      const names = Object.keys(record);
      let out: Record<string, unknown> | null = null;
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        const inner = record[name];
        const innerPath = path === '' ? name : `${path}.${name}`;
        const rule = this.keyRule(name) ?? (innerPath === name ? null : this.keyRule(innerPath));
        const redacted = rule ? this.whole(rule, inner) : this.json(inner, innerPath);
        if (out === null) {
          if (redacted === inner) continue;
          out = {};
          for (let j = 0; j < i; j++) setOwn(out, names[j]!, record[names[j]!]);
        }
        if (redacted !== DROP) setOwn(out, name, redacted);
      }
      return out ?? value;
    }
    return value;
  }

  // Private: value rules over one string. Matches of all rules are found on the original text; where two
  // overlap the earlier (then the rule listed first) wins, so a replacement is never scanned again.
  private text(text: string): Redacted<string> {
    let found: { start: number; end: number; rule: ValueRule }[] | null = null;
    for (const rule of this.valueRules) {
      for (const [start, end] of rule.detector.find(text)) (found ??= []).push({ start, end, rule });
    }
    if (found === null) return text;
    if (found.length > 1) found.sort((a, b) => a.start - b.start);
    let out = '';
    let at = 0;
    for (const match of found) {
      if (match.start < at) continue;
      this.count(match.rule.name);
      if (match.rule.action === 'drop') return DROP;
      const original = text.slice(match.start, match.end);
      out += text.slice(at, match.start) + (match.rule.action === 'mask' ? mask(match.rule.name) : this.hmac(match.rule.detector.normalise(original)));
      at = match.end;
    }
    return out + text.slice(at);
  }

  // Private: a URL, request target or bare query: the part before `?` and the fragment go through the value
  // rules as text; each query parameter is judged decoded and, only when it changes, written back encoded.
  private url(url: string, queryOnly: boolean): Redacted<string> {
    let head = '';
    let query = url;
    let fragment = '';
    if (!queryOnly) {
      const q = url.indexOf('?');
      const h = url.indexOf('#');
      if (q === -1 || (h !== -1 && h < q)) return this.text(url);
      head = url.slice(0, q + 1);
      query = h === -1 ? url.slice(q + 1) : url.slice(q + 1, h);
      fragment = h === -1 ? '' : url.slice(h);
    }
    const redactedHead = head === '' ? head : this.text(head);
    const redactedFragment = fragment === '' ? fragment : this.text(fragment);
    if (redactedHead === DROP || redactedFragment === DROP) return DROP;
    const params: string[] = [];
    for (const param of query.split('&')) {
      const eq = param.indexOf('=');
      if (eq === -1) {
        const bare = this.text(decode(param));
        if (bare !== DROP) params.push(bare === decode(param) ? param : encodeURIComponent(bare));
        continue;
      }
      const name = param.slice(0, eq);
      const value = decode(param.slice(eq + 1));
      const rule = this.keyRule(decode(name));
      const redacted = rule ? this.whole(rule, value) : this.text(value);
      if (redacted === DROP) continue;
      params.push(redacted === value ? param : `${name}=${encodeURIComponent(redacted as string)}`);
    }
    return redactedHead + params.join('&') + redactedFragment;
  }

  private keyRule(key: string): KeyRule | null {
    let rule = this.keyCache.get(key);
    if (rule === undefined) {
      rule = this.keyRules.find((r) => r.matches(key)) ?? null;
      if (this.keyCache.size >= KEY_CACHE_LIMIT) this.keyCache.clear();
      this.keyCache.set(key, rule);
    }
    return rule;
  }

  private count(rule: string): void {
    this.spanCount += 1;
    this.totals.set(rule, (this.totals.get(rule) ?? 0) + 1);
    redactions.inc({ rule });
  }

  private hmac(text: string): string {
    if (this.hmacKey === null) throw new Error('Redactor.hmac: no TRACEGATE_REDACTION_KEY');
    return HASH_PREFIX + createHmac('sha256', this.hmacKey).update(text, 'utf8').digest('hex').slice(0, 32);
  }
}

// Private: an own property, also for the name `__proto__` (which plain assignment would take as the prototype).
function setOwn(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  else target[name] = value;
}

function mask(rule: string): string {
  return `[redacted:${rule}]`;
}

// Private: form-style query decoding (`+` is a space); a malformed escape is judged as written.
function decode(text: string): string {
  const plus = text.includes('+') ? text.replace(/\+/g, ' ') : text;
  if (!plus.includes('%')) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}
