import { DEMO_DEFAULTS, parseDemoArgs, progressLine } from '../../src/demo';

describe('parseDemoArgs', () => {
  it('uses the defaults when given nothing', () => {
    expect(parseDemoArgs([])).toEqual(DEMO_DEFAULTS);
  });

  it('reads every flag', () => {
    expect(parseDemoArgs(['--url', 'http://127.0.0.1:4000/graphql', '--rate', '12.5', '--batch', '500', '--seed', 'x', '--duration', '30', '--concurrency', '8', '--port', '0'])).toEqual({
      url: 'http://127.0.0.1:4000/graphql', rate: 12.5, batch: 500, seed: 'x', durationSec: 30, concurrency: 8, port: 0,
    });
  });

  it('says what it expected and what it got', () => {
    expect(() => parseDemoArgs(['--rate', '0'])).toThrow('--rate expects a number > 0, but got: "0"');
    expect(() => parseDemoArgs(['--batch', '2.5'])).toThrow('--batch expects an integer >= 1 and <= 5000, but got: "2.5"');
    expect(() => parseDemoArgs(['--url', 'localhost:4000'])).toThrow('--url expects an http:// URL of the GraphQL endpoint, but got: localhost:4000');
    expect(() => parseDemoArgs(['--seed'])).toThrow(/--seed: expected a value, received nothing/);
    expect(() => parseDemoArgs(['--seed', '--rate', '1'])).toThrow(/--seed: expected a value, received "--rate"/);
    expect(() => parseDemoArgs(['--fast'])).toThrow(/unknown option --fast: expected one of --url, --rate/);
  });
});

describe('progressLine', () => {
  it('shows rates over the interval and totals', () => {
    const base = { traces: 0, spansGenerated: 0, spansSent: 0, accepted: 0, duplicates: 0, rejected: 0, failed: 0, dropped: 0, retries: 0, requests: 0, inFlight: 0, queued: 0 };
    const a = { ...base, elapsedMs: 1000, traces: 10, accepted: 80 };
    const b = { ...base, elapsedMs: 3000, traces: 50, accepted: 400, failed: 8, retries: 2, inFlight: 1 };
    const line = progressLine(b, a);
    expect(line).toContain('20.0 traces/s');
    expect(line).toContain('160 spans/s stored');
    expect(line).toContain('errors 8 (rejected 0, failed 8, dropped 0)');
    expect(line).toContain('retries 2');
  });
});
