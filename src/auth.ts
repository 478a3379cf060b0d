/**
 * Bearer tokens with scopes.
 *
 * Configuration: `TRACEGATE_TOKENS="name:scope[+scope]:token,..."` and/or `TRACEGATE_TOKENS_FILE` (same entries,
 * one per line, `#` comments). Scopes: `ingest` (submitSpans, OTLP and Zipkin routes), `read` (queries and
 * subscriptions). No entries at all: authentication is off and every client may read and ingest.
 *
 * Tokens are kept only as SHA-256 digests and compared with `crypto.timingSafeEqual` against every configured
 * digest without stopping at a match, so response time says nothing about which token, or how much of one,
 * was right. Nothing here ever prints a token.
 *
 * A bottom-level module (no transport, no layer): config.ts loads the tokens, every transport checks scopes with
 * `requireScope`. The Apollo plugin is src/server/auth.ts.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { OperationTypeNode } from 'graphql';
import { ErrorCode, TracegateError } from './errors';

export const Scope = { INGEST: 'ingest', READ: 'read' } as const;
export type Scope = (typeof Scope)[keyof typeof Scope];
const SCOPES: readonly string[] = Object.values(Scope);

export const TOKENS_VARIABLE = 'TRACEGATE_TOKENS';
export const TOKENS_FILE_VARIABLE = 'TRACEGATE_TOKENS_FILE';

/** Who a request is: a configured token's name and scopes. */
export interface Principal {
  readonly name: string;
  readonly scopes: ReadonlySet<Scope>;
}

/** One configured token; `digest` is SHA-256 of the token, the token itself is not kept. */
export interface TokenEntry extends Principal {
  readonly digest: Buffer;
}

/**
 * The result of looking at a request's credentials.
 * `open`: authentication is off (no tokens configured). `missing`: no credentials sent. `unknown`: credentials
 * that match no configured token (including a malformed `Authorization` header).
 */
export type AuthOutcome =
  | { readonly kind: 'open' }
  | { readonly kind: 'authenticated'; readonly principal: Principal }
  | { readonly kind: 'missing' }
  | { readonly kind: 'unknown' };

/** A bad token configuration; the message names the variable, the entry and what was expected, never the token. */
export class TokenConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenConfigError';
  }
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const TOKEN = /^[\x21-\x7e]+$/;
const FORMAT = 'name:scope[+scope]:token (name of letters, digits, "_", ".", "-"; scopes from ingest, read; token of printable characters without spaces or commas)';

export class Authenticator {
  private readonly entries: readonly TokenEntry[];

  constructor(entries: readonly TokenEntry[]) {
    this.entries = entries;
  }

  /** Tokens from `TRACEGATE_TOKENS` and `TRACEGATE_TOKENS_FILE`; throws TokenConfigError on a bad entry. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): Authenticator {
    return new Authenticator(loadTokens(env, readFile));
  }

  get enabled(): boolean {
    return this.entries.length > 0;
  }

  /** One line for the start-up log that says plainly whether authentication is on. */
  describe(): string {
    if (!this.enabled) {
      return `authentication OFF: no tokens configured (${TOKENS_VARIABLE} / ${TOKENS_FILE_VARIABLE} unset), every client may read and ingest`;
    }
    const names = this.entries.map((e) => `${e.name}(${[...e.scopes].join('+')})`).join(', ');
    return `authentication ON: ${this.entries.length} token(s): ${names}`;
  }

  /** Looks at an HTTP `Authorization` header value (`Bearer <token>`). */
  authenticate(authorization: string | readonly string[] | undefined | null): AuthOutcome {
    if (!this.enabled) return { kind: 'open' };
    if (authorization === undefined || authorization === null || authorization === '') return { kind: 'missing' };
    if (typeof authorization !== 'string') return { kind: 'unknown' }; // a repeated header is not a credential
    const match = BEARER.exec(authorization);
    if (!match) return { kind: 'unknown' };
    const principal = this.lookup(match[1]!);
    return principal ? { kind: 'authenticated', principal } : { kind: 'unknown' };
  }

  /** Looks at a graphql-ws `connection_init` payload: `{ authorization: 'Bearer <token>' }`. */
  authenticateConnectionParams(payload: unknown): AuthOutcome {
    if (!this.enabled) return { kind: 'open' };
    if (payload === null || typeof payload !== 'object') return { kind: 'missing' };
    const value = (payload as Record<string, unknown>).authorization ?? (payload as Record<string, unknown>).Authorization;
    if (value === undefined || value === null || value === '') return { kind: 'missing' };
    return typeof value === 'string' ? this.authenticate(value) : { kind: 'unknown' };
  }

  // Private: constant-time over the whole list; no early exit on a match.
  private lookup(token: string): Principal | undefined {
    const digest = sha256(token);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(digest, entry.digest) && found === undefined) found = entry;
    }
    return found === undefined ? undefined : { name: found.name, scopes: found.scopes };
  }
}

/** The scope an operation type needs: mutations ingest, queries and subscriptions read. */
export function scopeForOperation(operation: OperationTypeNode | 'query' | 'mutation' | 'subscription'): Scope {
  const type: 'query' | 'mutation' | 'subscription' = `${operation}`;
  switch (type) {
    case 'mutation':
      return Scope.INGEST;
    case 'query':
    case 'subscription':
      return Scope.READ;
  }
}

/**
 * Throws unless `outcome` may use `scope`: UNAUTHENTICATED for missing or unknown credentials, FORBIDDEN for a
 * token without the scope. Returns the principal (undefined when authentication is off).
 */
export function requireScope(outcome: AuthOutcome, scope: Scope): Principal | undefined {
  switch (outcome.kind) {
    case 'open':
      return undefined;
    case 'missing':
      throw new TracegateError(ErrorCode.UNAUTHENTICATED, 'Authentication required: send "Authorization: Bearer <token>".');
    case 'unknown':
      throw new TracegateError(ErrorCode.UNAUTHENTICATED, 'Unknown or malformed token: expected "Bearer <token>" with a configured token.');
    case 'authenticated':
      if (!outcome.principal.scopes.has(scope)) {
        throw new TracegateError(
          ErrorCode.FORBIDDEN,
          `Token "${outcome.principal.name}" lacks scope "${scope}": expected a token with ${scope}, received one with ${[...outcome.principal.scopes].join('+')}.`,
        );
      }
      return outcome.principal;
  }
}

/** Throws UNAUTHENTICATED for missing or unknown credentials (the HTTP gate, before any scope is known). */
export function requireAuthenticated(outcome: AuthOutcome): void {
  if (outcome.kind === 'missing' || outcome.kind === 'unknown') requireScope(outcome, Scope.READ);
}

/** All configured tokens: the variable's entries, then the file's. Duplicate names or tokens are refused. */
export function loadTokens(env: NodeJS.ProcessEnv, readFile: (path: string) => string): TokenEntry[] {
  const entries: Array<TokenEntry & { where: string }> = [];
  const inline = env[TOKENS_VARIABLE];
  if (inline !== undefined && inline.trim() !== '') {
    inline.split(',').forEach((text, i) => {
      if (text.trim() !== '') entries.push(parseEntry(text, `${TOKENS_VARIABLE} entry ${i + 1}`));
    });
  }
  const file = env[TOKENS_FILE_VARIABLE];
  if (file !== undefined && file.trim() !== '') {
    let text: string;
    try {
      text = readFile(file);
    } catch (error) {
      throw new TokenConfigError(`${TOKENS_FILE_VARIABLE}: expected a readable file of token entries, could not read "${file}": ${(error as Error).message}`);
    }
    text.split(/\r?\n/).forEach((line, i) => {
      const content = line.replace(/#.*$/, '').trim();
      if (content !== '') entries.push(parseEntry(content, `${TOKENS_FILE_VARIABLE} line ${i + 1}`));
    });
  }
  for (let i = 0; i < entries.length; i++) {
    for (let j = 0; j < i; j++) {
      if (entries[i]!.name === entries[j]!.name) {
        throw new TokenConfigError(`${entries[i]!.where}: expected a unique token name, received "${entries[i]!.name}" again (first at ${entries[j]!.where}).`);
      }
      if (timingSafeEqual(entries[i]!.digest, entries[j]!.digest)) {
        throw new TokenConfigError(`${entries[i]!.where}: expected a unique token, received the same token as ${entries[j]!.where}.`);
      }
    }
  }
  return entries.map(({ name, scopes, digest }) => ({ name, scopes, digest }));
}

// Private: one `name:scope[+scope]:token` entry; `where` names the variable and position for messages.
function parseEntry(raw: string, where: string): TokenEntry & { where: string } {
  const text = raw.trim();
  const first = text.indexOf(':');
  const second = first < 0 ? -1 : text.indexOf(':', first + 1);
  if (first < 0 || second < 0) {
    throw new TokenConfigError(`${where}: expected ${FORMAT}, received an entry with ${first < 0 ? 1 : 2} colon-separated part(s).`);
  }
  const name = text.slice(0, first);
  const scopeText = text.slice(first + 1, second);
  const token = text.slice(second + 1);
  if (!NAME.test(name)) throw new TokenConfigError(`${where}: expected ${FORMAT}, received name ${JSON.stringify(name)}.`);
  const scopes = new Set<Scope>();
  for (const scope of scopeText.split('+')) {
    if (!SCOPES.includes(scope)) {
      throw new TokenConfigError(`${where}: expected scopes from ${SCOPES.join(', ')} joined by "+", received ${JSON.stringify(scope)} for "${name}".`);
    }
    scopes.add(scope as Scope);
  }
  if (!TOKEN.test(token)) {
    throw new TokenConfigError(`${where}: expected a token of printable characters without spaces for "${name}", received ${token === '' ? 'an empty token' : 'one with spaces or control characters'}.`);
  }
  return { name, scopes, digest: sha256(token), where };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
