/**
 * The process's logger: one line per event on stderr. Two formats (TRACEGATE_LOG_FORMAT):
 * - `text` (default): `TIME LEVEL [component] message key=value ...`, for a terminal;
 * - `json`: one JSON object per line, `{"time","level","msg","component","requestId",...fields}`, for log pipelines.
 * Levels below TRACEGATE_LOG_LEVEL (default `info`; `silent` in jest) are dropped.
 *
 * Deliberately tiny (a synchronous write per line, no dependency): the gateway logs per failure, not per
 * request, so a logging library's buffering and transports would buy nothing here. Fields whose name says they
 * hold a credential (authorization, token, password, secret, cookie) are written as "[redacted]".
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'text' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that prefixes every line with `[component]`. */
  child(component: string): Logger;
}

export function createLogger(level: LogLevel = defaultLevel(), component?: string, sink: (line: string) => void = writeStderr): Logger {
  const threshold = ORDER[level];
  const emit = (lvl: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields): void => {
    if (ORDER[lvl] < threshold) return;
    if (format === 'json') {
      sink(jsonLine(lvl, message, component, fields?.requestId, fields));
      return;
    }
    const prefix = component ? `[${component}] ` : '';
    sink(`${new Date().toISOString()} ${lvl.toUpperCase()} ${prefix}${message}${formatFields(fields)}`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (c) => createLogger(level, component ? `${component}/${c}` : c, sink),
  };
}

/** The shared process logger. */
export const log: Logger = createLogger();

/** Sets the line format of every logger (main.ts applies TRACEGATE_LOG_FORMAT from the validated config). */
export function setLogFormat(next: LogFormat): void {
  format = next;
}

let format: LogFormat = process.env.TRACEGATE_LOG_FORMAT === 'json' ? 'json' : 'text';

const SECRET_FIELD = /authorization|token|password|secret|cookie/i;

// Private: jest runs are quiet unless a level is asked for explicitly.
function defaultLevel(): LogLevel {
  const env = process.env.TRACEGATE_LOG_LEVEL;
  if (env && env in ORDER) return env as LogLevel;
  return process.env.JEST_WORKER_ID ? 'silent' : 'info';
}

// Private: errors keep their stack; other values are JSON so a line stays one line.
function formatFields(fields?: LogFields): string {
  if (!fields) return '';
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (SECRET_FIELD.test(k)) {
      out += ` ${k}=[redacted]`;
      continue;
    }
    const text = v instanceof Error ? (v.stack ?? v.message).replace(/\n\s*/g, ' | ') : typeof v === 'string' ? v : JSON.stringify(v);
    out += ` ${k}=${/\s/.test(text) && !(v instanceof Error) ? JSON.stringify(text) : text}`;
  }
  return out;
}

// Private: one JSON object; errors become { name, message, code, stack }, other values are kept as they are.
function jsonLine(level: string, msg: string, component: string | undefined, requestId: unknown, fields?: LogFields): string {
  const record: Record<string, unknown> = { time: new Date().toISOString(), level, msg };
  if (component) record.component = component;
  if (requestId !== undefined) record.requestId = requestId;
  if (fields) {
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined || k === 'requestId') continue;
      record[k] = SECRET_FIELD.test(k) ? '[redacted]' : v instanceof Error ? errorRecord(v) : v;
    }
  }
  try {
    return JSON.stringify(record, bigintSafe);
  } catch {
    // A cycle in a field: keep the line, say what could not be written.
    return JSON.stringify({ time: record.time, level, msg, component, requestId, fields: '[unserializable]' });
  }
}

function errorRecord(error: Error): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(code !== undefined ? { code } : {}), stack: error.stack };
}

function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function writeStderr(line: string): void {
  process.stderr.write(line + '\n');
}
