import { createLogger } from '../../../src/log';
import { LocalSource, openLiveSource, type LiveSink, type LiveSource, type LiveSpan } from '../../../src/live';

/** A source whose open fails, as a store without change streams makes the change-stream source fail. */
class RefusingSource implements LiveSource<LiveSpan> {
  readonly kind = 'changestream' as const;
  closed = false;
  async open(_sink: LiveSink<LiveSpan>): Promise<void> {
    throw new Error('$changeStream is not supported');
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function captureLog() {
  const lines: string[] = [];
  return { lines, log: createLogger('debug', 'live', (l) => lines.push(l)) };
}

describe('openLiveSource', () => {
  const local = () => new LocalSource<LiveSpan>(() => () => undefined);

  it('auto falls back to the local bus when the change stream cannot open, and says so', async () => {
    const { lines, log } = captureLog();
    const refusing = new RefusingSource();
    const source = await openLiveSource('auto', { changestream: () => refusing, local }, () => undefined, log);
    expect(source.kind).toBe('local');
    expect(refusing.closed).toBe(true);
    expect(lines.join('\n')).toMatch(/WARN \[live\] the store has no change streams; live updates are local to this instance/);
    await source.close();
  });

  it('changestream mode surfaces the error instead of falling back', async () => {
    const { log } = captureLog();
    await expect(openLiveSource('changestream', { changestream: () => new RefusingSource(), local }, () => undefined, log)).rejects.toThrow(
      '$changeStream is not supported',
    );
  });

  it('local mode never touches the change stream', async () => {
    const { log } = captureLog();
    const changestream = jest.fn(() => new RefusingSource());
    const source = await openLiveSource('local', { changestream, local }, () => undefined, log);
    expect(source.kind).toBe('local');
    expect(changestream).not.toHaveBeenCalled();
    await source.close();
  });
});
