import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../src/config';

describe('token and in-flight configuration through loadConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tg-tokens-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function configError(env: Record<string, string>): string {
    try {
      loadConfig(env, []);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a ConfigError');
  }

  it('reads tokens from the variable and from a file, and defaults to none (auth off)', () => {
    const file = join(dir, 'tokens');
    writeFileSync(file, '# one per line\nops:ingest+read:ops-token-123\n');
    const config = loadConfig({ TRACEGATE_TOKENS: 'shop:ingest:shop-token-456', TRACEGATE_TOKENS_FILE: file }, []);
    expect(config.tokens.map((t) => [t.name, [...t.scopes].sort()])).toEqual([
      ['shop', ['ingest']],
      ['ops', ['ingest', 'read']],
    ]);
    expect(JSON.stringify(config.tokens)).not.toContain('token-');
    expect(loadConfig({}, []).tokens).toEqual([]);
  });

  it('refuses a bad entry naming the variable and the position, never the token', () => {
    const file = join(dir, 'bad-tokens');
    writeFileSync(file, 'ops:read:fine-token-1\n\nops2:superuser:secret-token-789\n');
    const message = configError({ TRACEGATE_TOKENS_FILE: file });
    expect(message).toMatch(/^TRACEGATE_TOKENS_FILE line 3: expected scopes from ingest, read/);
    expect(message).not.toContain('secret-token-789');
    expect(configError({ TRACEGATE_TOKENS: 'shop:ingest:a,shop:read:b' })).toMatch(/^TRACEGATE_TOKENS entry 2: expected a unique token name/);
  });

  it('reads TRACEGATE_MAX_INFLIGHT_INGEST, default 20000, and names it when invalid', () => {
    expect(loadConfig({}, []).maxInflightIngestSpans).toBe(20000);
    expect(loadConfig({ TRACEGATE_MAX_INFLIGHT_INGEST: '500' }, []).maxInflightIngestSpans).toBe(500);
    expect(configError({ TRACEGATE_MAX_INFLIGHT_INGEST: '0' })).toMatch(/^TRACEGATE_MAX_INFLIGHT_INGEST="0": expected an integer/);
  });
});
