/**
 * The read token, when the gateway has TRACEGATE_TOKENS set: asked for once, kept for this tab's session
 * (sessionStorage: gone when the tab closes, never shared with other tabs), sent as `Authorization: Bearer` on
 * HTTP and in graphql-ws `connection_init`.
 */
const KEY = 'tracegate.readToken';

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, token);
  } catch {
    // storage disabled: the token lives as long as the page
  }
}

export function authHeaders(token: string | null): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

export type Access =
  | { kind: 'ok' }
  | { kind: 'token-needed'; reason: string | null }
  | { kind: 'unreachable'; reason: string };

/**
 * Asks the gateway for `__typename` with `token` (or none): ok, a token is needed (none sent, or the one sent was
 * refused: `reason` quotes the server), or the gateway could not be asked.
 */
export async function checkAccess(token: string | null): Promise<Access> {
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders(token) },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
  } catch (error) {
    return { kind: 'unreachable', reason: `the gateway did not answer (${(error as Error).message})` };
  }
  if (res.ok) return { kind: 'ok' };
  let message = `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { errors?: { message?: string; extensions?: { code?: string } }[] };
    const first = body.errors?.[0];
    if (first?.message) message = first.message;
    const code = first?.extensions?.code;
    if (code === 'UNAUTHENTICATED' || code === 'FORBIDDEN') {
      return { kind: 'token-needed', reason: token ? `The gateway refused this token: ${message}` : null };
    }
  } catch {
    // not JSON: reported below with the status
  }
  return { kind: 'unreachable', reason: message };
}
