import { ConfigError, loadConfig } from '../../src/config';
import { DEFAULT_INGEST_LIMITS } from '../../src/domain';
import { DEFAULT_QUERY_LIMITS } from '../../src/server/limits';

describe('loadConfig', () => {
  it('has documented defaults', () => {
    const config = loadConfig({}, []);
    expect(config).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      mongoUri: null,
      mongoDb: 'tracegate',
      dataDir: './data',
      storeThread: 'own',
      retentionMs: 7 * 86_400_000,
      storeTimeoutMs: 2500,
      nodeEnv: 'development',
      limits: DEFAULT_INGEST_LIMITS,
      queryLimits: DEFAULT_QUERY_LIMITS,
    });
  });

  it('reads the query limits, keeping the cost model\'s list sizes', () => {
    const config = loadConfig({ TRACEGATE_QUERY_MAX_COST: '20000', TRACEGATE_QUERY_MAX_DEPTH: '20' }, ['--tracegate-query-max-aliases', '3']);
    expect(config.queryLimits).toEqual({ ...DEFAULT_QUERY_LIMITS, maxCost: 20_000, maxDepth: 20, maxAliases: 3 });
  });

  it('reads variables and lets --flags override them', () => {
    const config = loadConfig(
      { PORT: '5000', MONGODB_URI: 'mongodb://db.example:27017', TRACEGATE_RETENTION: '12h', TRACEGATE_MAX_SPANS_PER_REQUEST: '100' },
      ['--port', '0', '--mongodb-db=traces', '--tracegate-max-future-skew', '30s'],
    );
    expect(config.port).toBe(0);
    expect(config.mongoUri).toBe('mongodb://db.example:27017');
    expect(config.mongoDb).toBe('traces');
    expect(config.retentionMs).toBe(12 * 3_600_000);
    expect(config.limits.maxSpansPerRequest).toBe(100);
    expect(config.limits.maxFutureSkewMs).toBe(30_000);
    expect(loadConfig({ TRACEGATE_STORE_THREAD: 'shared' }, []).storeThread).toBe('shared');
  });

  it.each<[Record<string, string>, string[], string]>([
    [{ PORT: 'eighty' }, [], 'PORT="eighty": expected an integer from 0 to 65535'],
    [{ PORT: '70000' }, [], 'PORT="70000": expected an integer from 0 to 65535'],
    [{ TRACEGATE_RETENTION: 'forever' }, [], 'TRACEGATE_RETENTION="forever": expected a duration such as 500ms, 30s, 10m, 12h or 7d'],
    [{ TRACEGATE_RETENTION: '1s' }, [], 'at least 60000 ms'],
    [{ MONGODB_URI: 'postgres://x' }, [], 'MONGODB_URI="postgres://x": expected a mongodb:// or mongodb+srv:// connection string'],
    [{ MONGODB_URI: 'http://user:secret@host' }, [], 'MONGODB_URI="http://***@host"'],
    [{ MONGODB_DB: 'a/b' }, [], 'MONGODB_DB="a/b": expected a MongoDB database name'],
    [{ NODE_ENV: 'staging' }, [], 'NODE_ENV="staging": expected one of development, production, test'],
    [{ TRACEGATE_STORE_THREAD: 'worker' }, [], 'TRACEGATE_STORE_THREAD="worker": expected one of own, shared'],
    [{ TRACEGATE_QUERY_MAX_DEPTH: '2' }, [], 'TRACEGATE_QUERY_MAX_DEPTH="2": expected an integer from 3 to 100'],
    [{}, ['--colour=blue'], 'unknown option --colour: expected one of --port, --host,'],
    [{}, ['--port'], '--port: expected a value, received nothing'],
    [{}, ['4000'], 'argument "4000": expected --name value or --name=value'],
  ])('refuses %j %j naming the variable, the value and what is expected', (env, argv, message) => {
    expect(() => loadConfig(env, argv)).toThrow(ConfigError);
    expect(() => loadConfig(env, argv)).toThrow(message);
  });
});
