import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { describePolicy, type RedactionPolicy } from '../../src/privacy';

const KEY = 'k'.repeat(32);

describe('redaction settings', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tracegate-redaction-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function file(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  function rules(policy: RedactionPolicy): string[] {
    if (!policy.enabled) return [];
    return [...policy.keyRules, ...policy.valueRules].map((r) => `${r.name}:${r.action}`);
  }

  it('defaults: every default rule, masking without a key and hashing with one', () => {
    expect(rules(loadConfig({}, []).redaction)).toEqual(['password:mask', 'secret:mask', 'token:mask', 'authorization:mask', 'card:mask', 'email:mask', 'bearer:mask', 'jwt:mask']);
    const keyed = loadConfig({ TRACEGATE_REDACTION_KEY: KEY }, []).redaction;
    expect(rules(keyed)).toEqual(['password:hash', 'secret:hash', 'token:hash', 'authorization:hash', 'card:hash', 'email:hash', 'bearer:hash', 'jwt:hash']);
    expect(describePolicy(keyed)).not.toContain(KEY);
  });

  it('off: no rules, and a loud description', () => {
    const policy = loadConfig({ TRACEGATE_REDACTION: 'off' }, []).redaction;
    expect(policy.enabled).toBe(false);
    expect(describePolicy(policy)).toMatch(/^REDACTION OFF/);
  });

  it('a YAML file extends the defaults (a rule named like a default replaces it); a JSON file may replace them', () => {
    const yaml = file(
      'rules.yaml',
      ['rules:', '  - name: customer-id', '    key: customer.id', '    action: hash', '  - name: email', '    detector: email', '    action: drop', '  - name: ticket', '    pattern: "TCK-[0-9]{6}"'].join('\n'),
    );
    const extended = loadConfig({ TRACEGATE_REDACTION: yaml, TRACEGATE_REDACTION_KEY: KEY }, []).redaction;
    expect(rules(extended)).toEqual(['password:hash', 'secret:hash', 'token:hash', 'authorization:hash', 'customer-id:hash', 'card:hash', 'email:drop', 'bearer:hash', 'jwt:hash', 'ticket:hash']);
    const json = file('rules.json', JSON.stringify({ defaults: 'replace', rules: [{ name: 'only-cards', detector: 'card', action: 'mask' }] }));
    expect(rules(loadConfig({ TRACEGATE_REDACTION: json }, []).redaction)).toEqual(['only-cards:mask']);
  });

  it.each([
    ['an unknown action', { rules: [{ name: 'a', key: 'x', action: 'erase' }] }, /rule 1 \("a"\): expected action drop, mask or hash, received "erase"/],
    ['two selectors', { rules: [{ name: 'ok', key: 'y' }, { name: 'b', key: 'x', detector: 'card' }] }, /rule 2 \("b"\): expected exactly one of key, detector, pattern, received key and detector/],
    ['no selector', { rules: [{ name: 'c', action: 'mask' }] }, /rule 1 \("c"\): expected exactly one of key, detector, pattern, received none/],
    ['an unknown detector', { rules: [{ name: 'd', detector: 'ssn' }] }, /rule 1 \("d"\): expected detector one of card, email, bearer, jwt, received "ssn"/],
    ['a backreference (not linear time)', { rules: [{ name: 'e', pattern: '(a+)\\1' }] }, /rule 1 \("e"\): expected a regular expression RE2 accepts/],
    ['a pattern matching empty text', { rules: [{ name: 'f', pattern: 'x*' }] }, /rule 1 \("f"\): expected a regular expression .* that needs at least one character, received "x\*": it matches empty text/],
    ['hash without a key', { rules: [{ name: 'g', key: 'x', action: 'hash' }] }, /rule 1 \("g"\): action hash needs TRACEGATE_REDACTION_KEY/],
    ['a duplicate name', { defaults: 'replace', rules: [{ name: 'h', key: 'x' }, { name: 'h', key: 'y' }] }, /rule "h": expected a unique rule name/],
    ['an unknown field', { rules: [{ name: 'i', key: 'x', keys: ['y'] }] }, /rule 1 \("i"\): expected fields .* received unknown field "keys"/],
    ['rules not a list', { rules: { name: 'j' } }, /expected "rules" to be a list of rules, received an object/],
    ['a bad defaults value', { defaults: 'merge', rules: [] }, /expected defaults "extend" or "replace", received "merge"/],
  ])('refuses %s, naming the rule and the problem', (_what, content, message) => {
    const path = file(`bad-${Math.random().toString(36).slice(2)}.json`, JSON.stringify(content));
    expect(() => loadConfig({ TRACEGATE_REDACTION: path }, [])).toThrow(ConfigError);
    expect(() => loadConfig({ TRACEGATE_REDACTION: path }, [])).toThrow(message);
  });

  it('refuses an unreadable file, unparsable YAML and a short key (without printing the key)', () => {
    expect(() => loadConfig({ TRACEGATE_REDACTION: join(dir, 'missing.yaml') }, [])).toThrow(/TRACEGATE_REDACTION=".*missing.yaml": expected "off" or a readable rules file/);
    const broken = file('broken.yaml', 'rules: [\n  - name: x');
    expect(() => loadConfig({ TRACEGATE_REDACTION: broken }, [])).toThrow(/expected YAML, could not parse it/);
    let message = '';
    try {
      loadConfig({ TRACEGATE_REDACTION_KEY: 'short-secret' }, []);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/TRACEGATE_REDACTION_KEY: expected at least 16 characters/);
    expect(message).not.toContain('short-secret');
  });
});
