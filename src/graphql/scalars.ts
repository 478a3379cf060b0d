/**
 * DateTime and JSON scalars.
 *
 * DateTime input is only type-checked here (a string): its format is validated where it is used, so one
 * bad timestamp in `submitSpans` rejects that span (INVALID_TIME) rather than the whole batch, and a bad
 * filter bound is a BAD_USER_INPUT naming the argument. Output is UTC with exactly 6 fraction digits.
 */
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { ErrorCode } from '../errors';
import { DATE_TIME_EXPECTED, describe, formatMicros, parseDateTime } from '../domain';

export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  // Resolvers return stored times as integer µs since the epoch, formatted here once; a string is checked.
  serialize(value) {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return formatMicros(value);
    if (typeof value !== 'string' || !parseDateTime(value).ok) {
      throw new GraphQLError(`DateTime cannot represent ${describe(value)}`);
    }
    return value;
  },
  parseValue(value) {
    if (typeof value !== 'string') throw badInput(`DateTime: expected ${DATE_TIME_EXPECTED}, received ${describe(value)}`);
    return value;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw badInput(`DateTime: expected ${DATE_TIME_EXPECTED}, received a ${ast.kind} literal`);
    return ast.value;
  },
});

export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => literalToValue(ast, variables ?? undefined),
});

// Private: a JSON literal written inline in a query; object keys such as "$gt" stay plain data.
function literalToValue(ast: ValueNode, variables: Record<string, unknown> | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.ENUM:
      return ast.value;
    case Kind.LIST:
      return ast.values.map((v) => literalToValue(v, variables));
    case Kind.OBJECT: {
      const out: Record<string, unknown> = {};
      for (const field of ast.fields) out[field.name.value] = literalToValue(field.value, variables);
      return out;
    }
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
  }
}

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
}
