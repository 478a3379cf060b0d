import { ErrorCode, TracegateError } from '../../../src/errors';
import { Authenticator, TokenConfigError, requireScope, scopeForOperation, type AuthOutcome } from '../../../src/auth';

const noFile = (): string => {
  throw new Error('no file expected');
};

function auth(tokens: string, file?: string): Authenticator {
  const env: NodeJS.ProcessEnv = { TRACEGATE_TOKENS: tokens };
  if (file !== undefined) env.TRACEGATE_TOKENS_FILE = '/etc/tokens';
  return Authenticator.fromEnv(env, file === undefined ? noFile : () => file);
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as TracegateError).code;
  }
}

describe('token configuration', () => {
  it('parses name:scope[+scope]:token entries from the variable and the file', () => {
    const a = auth('shop:ingest:abc, ui:read:def', '# ops team\nops:ingest+read:ghi  # both\n\n');
    expect(a.enabled).toBe(true);
    expect(a.describe()).toBe('authentication ON: 3 token(s): shop(ingest), ui(read), ops(ingest+read)');
    const ops = a.authenticate('Bearer ghi');
    expect(ops.kind === 'authenticated' && [...ops.principal.scopes].sort()).toEqual(['ingest', 'read']);
  });

  it('is off, and says so plainly, when no tokens are configured', () => {
    const a = Authenticator.fromEnv({}, noFile);
    expect(a.enabled).toBe(false);
    expect(a.describe()).toMatch(/^authentication OFF: no tokens configured/);
    expect(a.authenticate(undefined)).toEqual({ kind: 'open' });
    expect(requireScope(a.authenticate(undefined), 'ingest')).toBeUndefined();
  });

  it.each([
    ['shop:ingest', 'TRACEGATE_TOKENS entry 1: expected name:scope[+scope]:token', 'received an entry with 2 colon-separated part(s)'],
    ['ok:read:tok1,shop:admin:secret-token', 'TRACEGATE_TOKENS entry 2: expected scopes from ingest, read', 'received "admin" for "shop"'],
    ['bad name:read:secret-token', 'TRACEGATE_TOKENS entry 1: expected name:scope', 'received name "bad name"'],
    ['shop:read:', 'TRACEGATE_TOKENS entry 1: expected a token of printable characters', 'received an empty token'],
    ['a:read:secret-token,a:ingest:other-token', 'TRACEGATE_TOKENS entry 2: expected a unique token name', 'first at TRACEGATE_TOKENS entry 1'],
    ['a:read:secret-token,b:ingest:secret-token', 'TRACEGATE_TOKENS entry 2: expected a unique token', 'same token as TRACEGATE_TOKENS entry 1'],
  ])('refuses %j with a message naming variable, position and expectation, never the token', (tokens, start, received) => {
    let message = '';
    try {
      auth(tokens);
    } catch (error) {
      expect(error).toBeInstanceOf(TokenConfigError);
      message = (error as Error).message;
    }
    expect(message.startsWith(start)).toBe(true);
    expect(message).toContain(received);
    expect(message).not.toContain('secret-token');
  });

  it('names the file line of a bad file entry', () => {
    expect(() => auth('', '# header\nshop:ingest:good\nshop2:write:secret-token\n')).toThrow(/^TRACEGATE_TOKENS_FILE line 3: expected scopes/);
  });

  it('names the file when it cannot be read', () => {
    expect(() => Authenticator.fromEnv({ TRACEGATE_TOKENS_FILE: '/nope/tokens' })).toThrow(
      /^TRACEGATE_TOKENS_FILE: expected a readable file of token entries, could not read "\/nope\/tokens"/,
    );
  });
});

describe('authentication and scopes', () => {
  const a = auth('shop:ingest:ingest-token-1,ui:read:read-token-2');

  it('classifies missing, unknown and malformed credentials', () => {
    expect(a.authenticate(undefined)).toEqual({ kind: 'missing' });
    expect(a.authenticate('')).toEqual({ kind: 'missing' });
    expect(a.authenticate('Bearer nope')).toEqual({ kind: 'unknown' });
    expect(a.authenticate('Basic dWk6cmVhZA==')).toEqual({ kind: 'unknown' });
    expect(a.authenticate('read-token-2')).toEqual({ kind: 'unknown' }); // no scheme
    expect(a.authenticate('Bearer read-token-2x')).toEqual({ kind: 'unknown' }); // a prefix match is no match
    expect(a.authenticate(['Bearer read-token-2', 'Bearer read-token-2'])).toEqual({ kind: 'unknown' });
    expect(a.authenticate('bearer  read-token-2').kind).toBe('authenticated'); // scheme is case-insensitive
  });

  it('reads the connection_init payload of graphql-ws', () => {
    expect(a.authenticateConnectionParams(undefined)).toEqual({ kind: 'missing' });
    expect(a.authenticateConnectionParams({})).toEqual({ kind: 'missing' });
    expect(a.authenticateConnectionParams({ authorization: 42 })).toEqual({ kind: 'unknown' });
    const ok = a.authenticateConnectionParams({ authorization: 'Bearer read-token-2' });
    expect(ok.kind === 'authenticated' && ok.principal.name).toBe('ui');
  });

  it('maps operation types to scopes and refuses what a token may not do', () => {
    expect([scopeForOperation('query'), scopeForOperation('subscription'), scopeForOperation('mutation')]).toEqual(['read', 'read', 'ingest']);
    const reader: AuthOutcome = a.authenticate('Bearer read-token-2');
    const ingester: AuthOutcome = a.authenticate('Bearer ingest-token-1');
    expect(requireScope(reader, 'read')?.name).toBe('ui');
    expect(codeOf(() => requireScope(reader, 'ingest'))).toBe(ErrorCode.FORBIDDEN);
    expect(codeOf(() => requireScope(ingester, 'read'))).toBe(ErrorCode.FORBIDDEN);
    expect(codeOf(() => requireScope({ kind: 'missing' }, 'read'))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(codeOf(() => requireScope({ kind: 'unknown' }, 'read'))).toBe(ErrorCode.UNAUTHENTICATED);
  });
});
