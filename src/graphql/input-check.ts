/**
 * Variables that need no coercion. GraphQL coerces a variable into a new value (GraphQL spec §6.1.2
 * CoerceVariableValues, §3.10 Input Coercion); for most inputs that value equals the input apart from the
 * default values it adds: strings stay strings, numbers stay numbers, objects keep their fields. Copying a
 * 500-span list to learn that is most of what a `submitSpans` pays for coercion.
 *
 * `compileInputCheck` prepares, for one operation's variable definitions, a check that walks the received
 * variables without copying them and answers either the coerced variables (the received values themselves, with
 * the defaults of absent input-object fields written into them) or null when coercion would change or refuse
 * something: an ID sent as a number, a single value where a list is expected, an unknown or missing field, an
 * enum whose internal value is not its name, a scalar whose `parseValue` returns another value, a variable left to
 * its default. The caller then coerces as usual, so every error is GraphQL's own. Nothing is written before the
 * whole check passed.
 */
import {
  getNullableType,
  GRAPHQL_MAX_INT,
  GRAPHQL_MIN_INT,
  GraphQLBoolean,
  GraphQLFloat,
  GraphQLID,
  GraphQLInt,
  GraphQLString,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  typeFromAST,
  type GraphQLInputType,
  type GraphQLSchema,
  type VariableDefinitionNode,
} from 'graphql';

/** The coerced variables, or null when the received ones need GraphQL's coercion. */
export type InputCheck = (variables: Readonly<Record<string, unknown>>) => Record<string, unknown> | null;

/** A default to write once the check passed: `target[field] = value`. */
interface Fill {
  target: Record<string, unknown>;
  field: string;
  value: unknown;
}

/** True when coercing `value` (neither undefined nor null) leaves it as it is, apart from `fills`. */
type Checker = (value: unknown, fills: Fill[]) => boolean;

/** A check for these variable definitions, or null when one of them names an unknown or non-input type. */
export function compileInputCheck(schema: GraphQLSchema, definitions: readonly VariableDefinitionNode[]): InputCheck | null {
  const checkers = new Map<GraphQLInputType, Checker>();
  const variables: { name: string; required: boolean; hasDefault: boolean; check: Checker }[] = [];
  for (const definition of definitions) {
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (!type) return null;
    variables.push({ name: definition.variable.name.value, required: isNonNullType(type), hasDefault: definition.defaultValue !== undefined, check: checkerOf(type, checkers) });
  }
  return (received) => {
    const coerced: Record<string, unknown> = {};
    const fills: Fill[] = [];
    for (const variable of variables) {
      const value = received[variable.name];
      if (value === undefined) {
        // A default written in the document is coerced from its literal: left to GraphQL.
        if (variable.required || variable.hasDefault) return null;
        continue;
      }
      if (value === null) {
        if (variable.required) return null;
      } else if (!variable.check(value, fills)) return null;
      coerced[variable.name] = value;
    }
    for (const fill of fills) fill.target[fill.field] = fill.value;
    return coerced;
  };
}

// Private: the checker of a type, made once per type (an input object's checker refers to its fields' checkers).
function checkerOf(type: GraphQLInputType, made: Map<GraphQLInputType, Checker>): Checker {
  const known = made.get(type);
  if (known) return known;
  let inner: Checker | undefined;
  // Registered before it is built, so a type that contains itself refers to its own checker.
  const checker: Checker = (value, fills) => inner!(value, fills);
  made.set(type, checker);
  inner = build(type, made);
  return checker;
}

// Private: `value` is neither undefined nor null here; a nullable position admits null before calling.
function build(type: GraphQLInputType, made: Map<GraphQLInputType, Checker>): Checker {
  if (isNonNullType(type)) return checkerOf(type.ofType, made);
  if (isListType(type)) {
    const item = getNullableType(type.ofType) as GraphQLInputType;
    const itemRequired = isNonNullType(type.ofType);
    const check = checkerOf(item, made);
    return (value, fills) => {
      if (!Array.isArray(value)) return false;
      for (let i = 0; i < value.length; i++) {
        const element: unknown = value[i];
        if (element === undefined) return false;
        if (element === null) {
          if (itemRequired) return false;
        } else if (!check(element, fills)) return false;
      }
      return true;
    };
  }
  if (isInputObjectType(type)) {
    if ((type as { isOneOf?: boolean }).isOneOf) return () => false;
    const fields = Object.values(type.getFields()).map((field) => ({
      name: field.name,
      // A name Object.prototype also has is read only as an own property.
      inherited: field.name in Object.prototype,
      required: isNonNullType(field.type),
      hasDefault: field.defaultValue !== undefined,
      defaultValue: field.defaultValue,
      check: checkerOf(getNullableType(field.type) as GraphQLInputType, made),
    }));
    return (value, fills) => {
      if (typeof value !== 'object' || Array.isArray(value)) return false;
      const object = value as Record<string, unknown>;
      // Fields of the type the object holds (with a value other than undefined); every key it has must be one.
      let known = 0;
      for (const field of fields) {
        const fieldValue = field.inherited && !Object.prototype.hasOwnProperty.call(object, field.name) ? undefined : object[field.name];
        if (fieldValue === undefined) {
          if (field.hasDefault) fills.push({ target: object, field: field.name, value: field.defaultValue });
          else if (field.required) return false;
          continue;
        }
        known += 1;
        if (fieldValue === null) {
          if (field.required) return false;
        } else if (!field.check(fieldValue, fills)) return false;
      }
      // Counted rather than looked up by name: as many enumerable keys as known fields means no other key (a key
      // whose value is undefined, or an enumerable inherited one, makes the counts differ: left to coercion).
      let keys = 0;
      for (const _key in object) keys += 1;
      return keys === known;
    };
  }
  if (isEnumType(type)) {
    // Names whose coerced (internal) value is the name itself.
    const same = new Set(type.getValues().filter((v) => v.value === v.name).map((v) => v.name));
    return (value) => typeof value === 'string' && same.has(value);
  }
  if (isScalarType(type)) {
    // graphql-js's own scalars keep exactly these values as they are (an ID sent as a number becomes a string).
    if (type === GraphQLString || type === GraphQLID) return (value) => typeof value === 'string';
    if (type === GraphQLBoolean) return (value) => typeof value === 'boolean';
    if (type === GraphQLFloat) return (value) => typeof value === 'number' && Number.isFinite(value);
    if (type === GraphQLInt) return (value) => typeof value === 'number' && Number.isInteger(value) && value <= GRAPHQL_MAX_INT && value >= GRAPHQL_MIN_INT;
    return (value) => {
      try {
        return type.parseValue(value) === value;
      } catch {
        return false;
      }
    };
  }
  return () => false;
}
