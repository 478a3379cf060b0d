/**
 * Configuration from environment variables, or the same names as `--flags` (`--port 4000`, `--mongodb-uri=...`;
 * a flag wins over the variable). Validated once at start: a bad value raises ConfigError naming the variable,
 * the value and what is expected, and main.ts exits with that message.
 */
import { readFileSync } from 'node:fs';
import { CommandLineError, parseOptions } from './cli-args';
import { DEFAULT_INGEST_LIMITS, type IngestLimits } from './domain';
import { LOG_FORMATS, type LogFormat } from './log';
import { loadRedactionPolicy, RedactionConfigError, REDACTION_KEY_VARIABLE, REDACTION_VARIABLE, type RedactionPolicy } from './privacy';
import { loadTokens, TokenConfigError, type TokenEntry } from './auth';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from './graphql';
import { DEFAULT_MAX_INFLIGHT_SPANS } from './ingest';

export type NodeEnv = 'development' | 'production' | 'test';

export interface Config {
  port: number;
  host: string;
  /** null: start the embedded store (persistent in `dataDir`). */
  mongoUri: string | null;
  mongoDb: string;
  dataDir: string;
  /** How long spans and summaries live after the server received them. */
  retentionMs: number;
  /** Bound on waiting for the store before answering STORE_UNAVAILABLE. */
  storeTimeoutMs: number;
  /** Bound on waiting for one reply from a connected store that stopped answering. */
  storeSocketTimeoutMs: number;
  /** How long shutdown waits for in-flight requests before closing their connections. */
  shutdownGraceMs: number;
  nodeEnv: NodeEnv;
  limits: IngestLimits;
  /** Query limits on HTTP and WebSocket alike (docs/security.md); the cost model's list sizes stay at their defaults. */
  queryLimits: QueryLimits;
  /** Bearer tokens (TRACEGATE_TOKENS / TRACEGATE_TOKENS_FILE); empty: authentication off. See docs/security.md. */
  tokens: readonly TokenEntry[];
  /** Request body bytes held at once, decided before a body is read (null: a twentieth of the heap limit). */
  maxInflightBytes: number | null;
  /** Spans being ingested at once across all routes; a request above it gets 429 RATE_LIMITED. */
  maxInflightIngestSpans: number;
  /** Live updates (docs/live.md): where they come from, per-subscription queue bound, graphql-ws limits. */
  liveSource: 'auto' | 'changestream' | 'local';
  /** Where the embedded store runs (MONGODB_URI unset): a worker thread of its own, or the gateway's thread. */
  storeThread: 'own' | 'shared';
  liveQueueLimit: number;
  wsMaxSubscriptions: number;
  wsInitTimeoutMs: number;
  wsMaxMessageBytes: number;
  /** How long service-analytics rollups live after their last write (docs/analytics.md). */
  statsRetentionMs: number;
  /** Write analytics rollups at ingest (off: the stats queries read only what was written before). */
  stats: boolean;
  /** Redaction at ingest (TRACEGATE_REDACTION, TRACEGATE_REDACTION_KEY; README "Privacy"). */
  redaction: RedactionPolicy;
  /** Metrics (docs/operations.md): collected and served at all, and where (null: /metrics on the gateway's port). */
  metrics: boolean;
  /** OTLP/gRPC listener port (src/ingest/otlp-grpc); 0: no listener. */
  otlpGrpcPort: number;
  /** Tag keys the Zipkin API offers for autocompletion (/api/v2/autocompleteKeys). */
  zipkinAutocompleteKeys: readonly string[];
  metricsAddr: { host: string; port: number } | null;
  /** Log line format: `text` for a terminal, `json` (one object per line) for log pipelines. */
  logFormat: LogFormat;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Parser<T> = (raw: string, name: string) => T;

interface Setting<T> {
  name: string;
  default: T;
  parse: Parser<T>;
  doc: string;
}

const s = <T>(name: string, def: T, parse: Parser<T>, doc: string): Setting<T> => ({ name, default: def, parse, doc });

/** The settings table (docs/gateway.md lists the same). */
export const SETTINGS = {
  port: s('PORT', 4000, integer(0, 65535), 'HTTP port; 0 picks a free one'),
  host: s('HOST', '127.0.0.1', nonEmpty, 'interface to listen on'),
  mongoUri: s<string | null>('MONGODB_URI', null, mongoUri, 'MongoDB to use; unset: the embedded store'),
  mongoDb: s('MONGODB_DB', 'tracegate', dbName, 'database name'),
  dataDir: s('TRACEGATE_DATA_DIR', './data', nonEmpty, 'embedded store data directory (when MONGODB_URI is unset)'),
  storeThread: s<Config['storeThread']>('TRACEGATE_STORE_THREAD', 'own', oneOf(['own', 'shared'] as const), "embedded store's thread: own (a worker thread, in parallel with the gateway) or shared (the gateway's)"),
  retentionMs: s('TRACEGATE_RETENTION', 7 * 86_400_000, duration(60_000), 'how long spans are kept after receipt, e.g. 7d, 12h'),
  storeTimeoutMs: s('TRACEGATE_STORE_TIMEOUT', 2_500, duration(100), 'wait for the store before STORE_UNAVAILABLE, e.g. 2500ms'),
  storeSocketTimeoutMs: s('TRACEGATE_STORE_SOCKET_TIMEOUT', 30_000, duration(1000), 'wait for one reply from a connected store before STORE_UNAVAILABLE'),
  shutdownGraceMs: s('TRACEGATE_SHUTDOWN_GRACE', 10_000, duration(0), 'wait for in-flight requests on shutdown'),
  maxInflightBytes: s<number | null>('TRACEGATE_MAX_INFLIGHT_BYTES', null, autoOr(integer(1024)), 'request body bytes held at once; auto: a twentieth of the heap limit, at least 8 MiB'),
  maxInflightIngestSpans: s('TRACEGATE_MAX_INFLIGHT_INGEST', DEFAULT_MAX_INFLIGHT_SPANS, integer(1), 'spans being ingested at once; above it 429 RATE_LIMITED'),
  nodeEnv: s<NodeEnv>('NODE_ENV', 'development', oneOf(['development', 'production', 'test'] as const), 'production hides introspection'),
  liveSource: s<Config['liveSource']>('TRACEGATE_LIVE_SOURCE', 'auto', oneOf(['auto', 'changestream', 'local'] as const), 'live updates: change stream (every instance), local bus (this instance), or auto'),
  liveQueueLimit: s('TRACEGATE_LIVE_QUEUE_LIMIT', 10_000, integer(1), 'spans queued per subscription before SLOW_CONSUMER'),
  wsMaxSubscriptions: s('TRACEGATE_WS_MAX_SUBSCRIPTIONS', 100, integer(1), 'subscriptions one WebSocket connection may hold at once'),
  wsInitTimeoutMs: s('TRACEGATE_WS_INIT_TIMEOUT', 3_000, duration(100), 'wait for graphql-ws connection_init before closing (4408)'),
  wsMaxMessageBytes: s('TRACEGATE_WS_MAX_MESSAGE_BYTES', 1024 * 1024, integer(1024, 100 * 1024 * 1024), 'largest incoming WebSocket message; larger closes with 1009'),
  statsRetentionMs: s('TRACEGATE_STATS_RETENTION', 30 * 86_400_000, duration(60_000), 'how long service-analytics rollups are kept, e.g. 30d'),
  stats: s('TRACEGATE_STATS', true, onOff, 'on: write service-analytics rollups at ingest; off: do not'),
  otlpGrpcPort: s('TRACEGATE_OTLP_GRPC_PORT', 4317, integer(0, 65535), 'OTLP/gRPC port (TraceService/Export); 0 turns the listener off'),
  zipkinAutocompleteKeys: s<readonly string[]>('TRACEGATE_ZIPKIN_AUTOCOMPLETE_KEYS', [], commaList, 'comma-separated tag keys the Zipkin API offers for autocompletion'),
  metrics: s('TRACEGATE_METRICS', true, onOff, 'on: collect metrics and serve GET /metrics; off: neither'),
  logFormat: s<LogFormat>('TRACEGATE_LOG_FORMAT', 'text', oneOf(LOG_FORMATS), 'text (TIME LEVEL message key=value) or json (one object per line)'),
  metricsAddr: s<Config['metricsAddr']>('TRACEGATE_METRICS_ADDR', null, hostPort, 'host:port serving /metrics alone, without a token; unset: /metrics on the gateway port'),
} as const;

export const LIMIT_SETTINGS: { [K in keyof IngestLimits]: Setting<number> } = {
  maxSpansPerRequest: s('TRACEGATE_MAX_SPANS_PER_REQUEST', DEFAULT_INGEST_LIMITS.maxSpansPerRequest, integer(1), 'spans per request'),
  maxBodyBytes: s('TRACEGATE_MAX_BODY_BYTES', DEFAULT_INGEST_LIMITS.maxBodyBytes, integer(1024), 'HTTP request body bytes'),
  maxAttributesPerSpan: s('TRACEGATE_MAX_ATTRIBUTES', DEFAULT_INGEST_LIMITS.maxAttributesPerSpan, integer(0), 'attributes per span'),
  maxAttributeKeyLength: s('TRACEGATE_MAX_ATTRIBUTE_KEY_LENGTH', DEFAULT_INGEST_LIMITS.maxAttributeKeyLength, integer(1), 'attribute key characters'),
  maxStringLength: s('TRACEGATE_MAX_STRING_LENGTH', DEFAULT_INGEST_LIMITS.maxStringLength, integer(1), 'characters of a string value'),
  maxAttributeValueBytes: s('TRACEGATE_MAX_ATTRIBUTE_VALUE_BYTES', DEFAULT_INGEST_LIMITS.maxAttributeValueBytes, integer(1), 'JSON bytes of an array/object attribute value'),
  maxEventsPerSpan: s('TRACEGATE_MAX_EVENTS', DEFAULT_INGEST_LIMITS.maxEventsPerSpan, integer(0), 'events per span'),
  maxLinksPerSpan: s('TRACEGATE_MAX_LINKS', DEFAULT_INGEST_LIMITS.maxLinksPerSpan, integer(0), 'links per span'),
  maxMetricsPerSpan: s('TRACEGATE_MAX_METRICS', DEFAULT_INGEST_LIMITS.maxMetricsPerSpan, integer(0), 'metrics per span'),
  maxResultDataBytes: s('TRACEGATE_MAX_RESULT_DATA_BYTES', DEFAULT_INGEST_LIMITS.maxResultDataBytes, integer(0), 'JSON bytes of result.data'),
  maxNameLength: s('TRACEGATE_MAX_NAME_LENGTH', DEFAULT_INGEST_LIMITS.maxNameLength, integer(1), 'service/operation/event/metric name characters'),
  maxFutureSkewMs: s('TRACEGATE_MAX_FUTURE_SKEW', DEFAULT_INGEST_LIMITS.maxFutureSkewMs, duration(0), 'how far a span may end beyond the server clock'),
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv.slice(2)): Config {
  const values = { ...env, ...parseFlags(argv) };
  const read = <T>(setting: Setting<T>): T => {
    const raw = values[setting.name];
    if (raw === undefined || raw === '') return setting.default;
    return setting.parse(raw, setting.name);
  };
  const limits = Object.fromEntries(Object.entries(LIMIT_SETTINGS).map(([key, setting]) => [key, read(setting)])) as unknown as IngestLimits;
  return {
    port: read(SETTINGS.port),
    host: read(SETTINGS.host),
    mongoUri: read(SETTINGS.mongoUri),
    mongoDb: read(SETTINGS.mongoDb),
    dataDir: read(SETTINGS.dataDir),
    retentionMs: read(SETTINGS.retentionMs),
    storeTimeoutMs: read(SETTINGS.storeTimeoutMs),
    storeSocketTimeoutMs: read(SETTINGS.storeSocketTimeoutMs),
    shutdownGraceMs: read(SETTINGS.shutdownGraceMs),
    nodeEnv: read(SETTINGS.nodeEnv),
    limits,
    queryLimits: { ...DEFAULT_QUERY_LIMITS, ...Object.fromEntries(Object.entries(QUERY_LIMIT_SETTINGS).map(([key, setting]) => [key, read(setting)])) },
    tokens: readTokens(values),
    maxInflightIngestSpans: read(SETTINGS.maxInflightIngestSpans),
    maxInflightBytes: read(SETTINGS.maxInflightBytes),
    liveSource: read(SETTINGS.liveSource),
    storeThread: read(SETTINGS.storeThread),
    liveQueueLimit: read(SETTINGS.liveQueueLimit),
    wsMaxSubscriptions: read(SETTINGS.wsMaxSubscriptions),
    wsInitTimeoutMs: read(SETTINGS.wsInitTimeoutMs),
    wsMaxMessageBytes: read(SETTINGS.wsMaxMessageBytes),
    statsRetentionMs: read(SETTINGS.statsRetentionMs),
    stats: read(SETTINGS.stats),
    metrics: read(SETTINGS.metrics),
    otlpGrpcPort: read(SETTINGS.otlpGrpcPort),
    zipkinAutocompleteKeys: read(SETTINGS.zipkinAutocompleteKeys),
    metricsAddr: read(SETTINGS.metricsAddr),
    logFormat: read(SETTINGS.logFormat),
    redaction: readRedaction(values),
  };
}

type TunableQueryLimit = 'maxDepth' | 'maxAliases' | 'maxDirectives' | 'maxTokens' | 'maxCost';

export const QUERY_LIMIT_SETTINGS: { [K in TunableQueryLimit]: Setting<number> } = {
  maxDepth: s('TRACEGATE_QUERY_MAX_DEPTH', DEFAULT_QUERY_LIMITS.maxDepth, integer(3, 100), 'deepest field nesting, through fragments'),
  maxAliases: s('TRACEGATE_QUERY_MAX_ALIASES', DEFAULT_QUERY_LIMITS.maxAliases, integer(0, 1000), 'aliased fields per operation'),
  maxDirectives: s('TRACEGATE_QUERY_MAX_DIRECTIVES', DEFAULT_QUERY_LIMITS.maxDirectives, integer(0, 1000), 'directive uses per operation'),
  maxTokens: s('TRACEGATE_QUERY_MAX_TOKENS', DEFAULT_QUERY_LIMITS.maxTokens, integer(100, 100_000), 'lexical tokens per document'),
  maxCost: s('TRACEGATE_QUERY_MAX_COST', DEFAULT_QUERY_LIMITS.maxCost, integer(100, 10_000_000), 'estimated objects resolved per operation'),
};

/** `--mongodb-uri=x` and `--mongodb-uri x` both set MONGODB_URI; flags name known settings only. */
export function parseFlags(argv: readonly string[]): Record<string, string> {
  const known = [...Object.values(SETTINGS), ...Object.values(LIMIT_SETTINGS), ...Object.values(QUERY_LIMIT_SETTINGS)].map((setting) => setting.name);
  known.push(REDACTION_VARIABLE, REDACTION_KEY_VARIABLE);
  const flagOf = (name: string): string => name.toLowerCase().replace(/_/g, '-');
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseOptions(argv, Object.fromEntries(known.map((name) => [flagOf(name), { type: 'string' } as const])));
  } catch (error) {
    if (error instanceof CommandLineError) throw new ConfigError(error.message);
    throw error;
  }
  return Object.fromEntries(known.filter((name) => typeof values[flagOf(name)] === 'string').map((name) => [name, values[flagOf(name)] as string]));
}

// Private: token entries never appear in messages (TokenConfigError names the entry's position instead).
function readTokens(values: Record<string, string | undefined>): readonly TokenEntry[] {
  try {
    return loadTokens(values, (path) => readFileSync(path, 'utf8'));
  } catch (error) {
    if (error instanceof TokenConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

// Private: the rules file is read and every rule validated here, so a bad one stops start-up; the key never
// appears in a message.
function readRedaction(values: Record<string, string | undefined>): RedactionPolicy {
  try {
    return loadRedactionPolicy({ setting: values[REDACTION_VARIABLE], key: values[REDACTION_KEY_VARIABLE], readFile: (path) => readFileSync(path, 'utf8') });
  } catch (error) {
    if (error instanceof RedactionConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

// Private: parsers; each message names the variable, the value and what is expected.
function invalid(name: string, raw: string, expected: string): ConfigError {
  return new ConfigError(`${name}=${JSON.stringify(raw)}: expected ${expected}`);
}

function integer(min: number, max = Number.MAX_SAFE_INTEGER): Parser<number> {
  return (raw, name) => {
    if (!/^\d+$/.test(raw.trim())) throw invalid(name, raw, `an integer from ${min} to ${max}`);
    const n = Number(raw.trim());
    if (n < min || n > max) throw invalid(name, raw, `an integer from ${min} to ${max}`);
    return n;
  };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration: a number with a unit ms, s, m, h or d (a bare number is milliseconds). */
export function duration(minMs: number): Parser<number> {
  return (raw, name) => {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(raw.trim());
    const expected = `a duration such as 500ms, 30s, 10m, 12h or 7d, at least ${minMs} ms`;
    if (!m) throw invalid(name, raw, expected);
    const ms = Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!);
    if (ms < minMs) throw invalid(name, raw, expected);
    return ms;
  };
}

function commaList(raw: string, name: string): readonly string[] {
  const items = raw.split(',').map((x) => x.trim());
  if (items.some((x) => x === '')) throw invalid(name, raw, 'a comma-separated list of non-empty names');
  return items;
}

function nonEmpty(raw: string, name: string): string {
  if (raw.trim() === '') throw invalid(name, raw, 'a non-empty value');
  return raw.trim();
}

function mongoUri(raw: string, name: string): string {
  if (!/^mongodb(\+srv)?:\/\/.+/.test(raw.trim())) throw invalid(name, raw.replace(/\/\/[^@/]*@/, '//***@'), 'a mongodb:// or mongodb+srv:// connection string');
  return raw.trim();
}

function dbName(raw: string, name: string): string {
  if (!/^[^/\\. "$*<>:|?]{1,63}$/.test(raw)) throw invalid(name, raw, 'a MongoDB database name (1-63 characters, none of /\\. "$*<>:|?)');
  return raw;
}

function autoOr<T>(parse: Parser<T>): Parser<T | null> {
  return (raw, name) => {
    if (raw.trim().toLowerCase() === 'auto') return null;
    try {
      return parse(raw, name);
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError(`${error.message}, or auto`);
      throw error;
    }
  };
}

function onOff(raw: string, name: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['on', 'true', '1'].includes(value)) return true;
  if (['off', 'false', '0'].includes(value)) return false;
  throw invalid(name, raw, 'on or off');
}

/** `host:port`, `[v6]:port` or `:port` (loopback); port 0 picks a free one. */
function hostPort(raw: string, name: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]*)):(\d{1,5})$/.exec(raw.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw invalid(name, raw, 'host:port, [ipv6]:port or :port with a port from 0 to 65535');
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

function oneOf<T extends string>(options: readonly T[]): Parser<T> {
  return (raw, name) => {
    if (!(options as readonly string[]).includes(raw)) throw invalid(name, raw, `one of ${options.join(', ')}`);
    return raw as T;
  };
}
