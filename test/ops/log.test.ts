/** The logger's two line formats: text for a terminal, one JSON object per line for log pipelines. */
import { createLogger, setLogFormat } from '../../src/log';

afterEach(() => {
  setLogFormat('text');
});

function capture(): { lines: string[]; sink: (line: string) => void } {
  const lines: string[] = [];
  return { lines, sink: (line) => lines.push(line) };
}

describe('log formats', () => {
  it('json: one object per line with time, level, msg, component, request id and fields', () => {
    setLogFormat('json');
    const { lines, sink } = capture();
    const logger = createLogger('info', 'gateway', sink).child('ingest');
    const error = Object.assign(new Error('socket closed\nsecond line'), { code: 'EPIPE' });
    logger.warn('store unavailable', { requestId: 'req-1', operation: 'insertSpans', error, authorization: 'Bearer s3cret', count: 3 });
    logger.debug('dropped below the level');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(lines[0]).not.toContain('s3cret');
    const record = JSON.parse(lines[0]!);
    expect(record).toMatchObject({
      level: 'warn',
      msg: 'store unavailable',
      component: 'gateway/ingest',
      requestId: 'req-1',
      operation: 'insertSpans',
      authorization: '[redacted]',
      count: 3,
      error: { name: 'Error', message: 'socket closed\nsecond line', code: 'EPIPE' },
    });
    expect(new Date(record.time).toISOString()).toBe(record.time);
    expect(record.error.stack).toContain('socket closed');
  });

  it('text stays the default: TIME LEVEL [component] message key=value, secrets redacted', () => {
    const { lines, sink } = capture();
    createLogger('info', 'auth', sink).info('refused', { token: 'abc', reason: 'no such token' });
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO \[auth\] refused token=\[redacted\] reason="no such token"$/);
  });
});
