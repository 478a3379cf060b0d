/**
 * Command lines through node:util `parseArgs`, strict: an unknown option, a missing value and a positional
 * argument are errors, reported in one wording that says what was expected and what was received. Options take
 * `--name value` or `--name=value`; a value that starts with `-` must use the `=` form. Used by config.ts,
 * src/demo and bench/ (the embedded store's CLI stands alone with its own).
 */
import { parseArgs } from 'node:util';

export type OptionSpec = Readonly<Record<string, { readonly type: 'string' | 'boolean' }>>;

export type ParsedOptions<T extends OptionSpec> = { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string };

export class CommandLineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandLineError';
  }
}

export function parseOptions<T extends OptionSpec>(argv: readonly string[], options: T): ParsedOptions<T> {
  try {
    return parseArgs({ args: [...argv], options: options as never, strict: true, allowPositionals: false }).values as ParsedOptions<T>;
  } catch (error) {
    throw new CommandLineError(describeError(error, argv, Object.keys(options)));
  }
}

// Private: parseArgs's errors (ERR_PARSE_ARGS_*) in the project's wording; the option name comes from its message.
function describeError(error: unknown, argv: readonly string[], names: readonly string[]): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${flag}: expected one of ${names.map((n) => `--${n}`).join(', ')}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      if (/does not take an argument/.test(message)) return `${flag}: expected no value (a switch), received one`;
      const next = argv[argv.indexOf(flag) + 1];
      const received = next === undefined || !/ambiguous/.test(message) ? 'nothing' : JSON.stringify(next);
      return `${flag}: expected a value, received ${received}`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `argument ${JSON.stringify(/'([^']*)'/.exec(message)?.[1] ?? '')}: expected --name value or --name=value`;
    default:
      return message;
  }
}
