/**
 * Jest setup: every `fetch` in the tests asks for `connection: close` unless it sets the header itself.
 * Node 20's fetch (undici) keeps idle sockets pooled past a suite's end, which keeps jest workers from exiting
 * ("A worker process has failed to exit gracefully"); servers under test are unaffected either way.
 */
const nativeFetch = globalThis.fetch;

globalThis.fetch = (input: Parameters<typeof fetch>[0], init: RequestInit = {}) => {
  const headers = new Headers(init.headers);
  if (!headers.has('connection')) headers.set('connection', 'close');
  return nativeFetch(input, { ...init, headers });
};
