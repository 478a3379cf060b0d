/**
 * The process's logger: one line per event on stderr, `LEVEL message key=value ...`.
 * Deliberately tiny; levels below TRACEGATE_LOG_LEVEL (default `info`; `silent` in jest) are dropped.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

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
    const text = v instanceof Error ? (v.stack ?? v.message).replace(/\n\s*/g, ' | ') : typeof v === 'string' ? v : JSON.stringify(v);
    out += ` ${k}=${/\s/.test(text) && !(v instanceof Error) ? JSON.stringify(text) : text}`;
  }
  return out;
}

function writeStderr(line: string): void {
  process.stderr.write(line + '\n');
}
