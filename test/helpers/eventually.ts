/**
 * Waiting on observable state in tests. `eventually` polls until a condition holds; `staysFalse` is the negative
 * check: a condition that must not become true within a bounded quiet period, measured from the event after
 * which it could (a message delivered, a stream opened), never a bare sleep before an assertion.
 */
export interface WaitOptions {
  /** Give up after this long (default 20 s: generous on a loaded machine; a passing test never waits it out). */
  timeoutMs?: number;
  /** Poll interval (default 10 ms). */
  intervalMs?: number;
  /** Included in the timeout error, to show what the state was instead. */
  state?: () => unknown;
}

export async function eventually(check: () => boolean | Promise<boolean>, what: string, options: WaitOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (!(await check())) {
    if (Date.now() > deadline) {
      const state = options.state ? `; state ${describe(options.state())}` : '';
      throw new Error(`timed out waiting for ${what}${state}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 10));
  }
}

/**
 * Throws as soon as `happened` holds within `quietMs`, counted from now (call it right after the event that
 * could cause it). Resolves once the quiet period passed with nothing seen.
 */
export async function staysFalse(happened: () => boolean | Promise<boolean>, what: string, quietMs: number, intervalMs = 10): Promise<void> {
  const until = Date.now() + quietMs;
  do {
    if (await happened()) throw new Error(`expected ${what} not to happen, but it did`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  } while (Date.now() < until);
  if (await happened()) throw new Error(`expected ${what} not to happen, but it did`);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
