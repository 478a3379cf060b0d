import { ErrorCode, TracegateError } from '../../../src/errors';
import { httpOf } from '../../../src/error-edge';
import { IngestLimiter } from '../../../src/server/overload';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('IngestLimiter', () => {
  it('refuses at once above the cap without running the work, and admits again once work finishes', async () => {
    const limiter = new IngestLimiter(10, 2);
    const gate = deferred();
    const first = limiter.run(6, () => gate.promise.then(() => 'first'));
    let ran = false;
    const refused = await limiter.run(5, async () => {
      ran = true;
    }).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(refused).toBeInstanceOf(TracegateError);
    expect((refused as TracegateError).code).toBe(ErrorCode.RATE_LIMITED);
    expect(httpOf(ErrorCode.RATE_LIMITED, (refused as TracegateError).details).headers['retry-after']).toBe('2');
    expect(await limiter.run(4, async () => 'fits')).toBe('fits');
    expect(limiter.stats()).toEqual({ inFlightSpans: 6, inFlightRequests: 1, refused: 1 });
    gate.resolve();
    expect(await first).toBe('first');
    expect(limiter.stats()).toEqual({ inFlightSpans: 0, inFlightRequests: 0, refused: 1 });
  });

  it('admits one request larger than the cap when idle, and releases capacity when work fails', async () => {
    const limiter = new IngestLimiter(10);
    await expect(limiter.run(50, async () => 'big')).resolves.toBe('big');
    await expect(limiter.run(3, async () => Promise.reject(new Error('store said no')))).rejects.toThrow('store said no');
    expect(limiter.stats().inFlightSpans).toBe(0);
  });
});
