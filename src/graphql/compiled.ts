/**
 * Query execution through compiled operations (graphql-jit): an operation that is run again is compiled once
 * to JavaScript that resolves its fields without graphql-js's per-field interpretation (argument values,
 * paths, promise bookkeeping). The resolvers, the result and its errors are the same: the compiled code calls
 * the schema's own resolvers and scalar `serialize` functions, a resolver's error reaches the result with its
 * path and original error (masking sees the same chain), and a bad variable fails with graphql-js's own error
 * (below).
 *
 * Queries and mutations are compiled; introspection, subscriptions and operations whose variables are of a
 * recursive input type run on graphql-js. An operation runs on graphql-js until it was seen `compileAfter`
 * times, so a stream of one-off documents costs no compilation.
 *
 * A compiled mutation's variables are first checked without copying (input-check.ts): when coercion would leave
 * them as they are (apart from default values, written into them), the mutation runs compiled with every variable
 * declared as a scalar taken as it is, so the 500-element `SpanInput` list of a `submitSpans` is walked once and
 * never copied. Otherwise they are coerced by graphql-jit's compiled variable parsing (graphql-js's rules,
 * compiled per operation); when that parsing finds a problem nothing has run yet, and the request is run on
 * graphql-js instead, so a bad variable fails with graphql-js's own errors (messages, locations, error limit).
 * A compiled query's variables are coerced the same way, once, by graphql-jit's compiled variable parsing, with
 * the same fallback to graphql-js for a variable it cannot coerce.
 */
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import {
  BREAK,
  execute,
  getNamedType,
  GraphQLError,
  GraphQLScalarType,
  GraphQLSchema,
  Kind,
  isEnumType,
  isInputObjectType,
  isSpecifiedScalarType,
  isInputType,
  typeFromAST,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type OperationDefinitionNode,
} from 'graphql';
import { compileInputCheck, type InputCheck } from './input-check';

export interface OperationRequest {
  document: DocumentNode;
  /** The operation of `document` to run (already resolved by the caller). */
  operation: OperationDefinitionNode;
  operationName?: string | null;
  variables?: Readonly<Record<string, unknown>> | null;
  contextValue: unknown;
}

export interface CompiledExecutionOptions {
  /** Compile an operation on its n-th run (1: at once). */
  compileAfter?: number;
  /**
   * Leaf fields (type name -> field names) whose ID, String, Int, Float, Boolean and enum values the resolvers
   * already hand out as values of that type (src/graphql/stored-leaves.ts). A query that selects no other leaf of
   * those types is compiled without graphql-jit's leaf serialization: such values are written as they are, with
   * the null checks of non-null fields kept. Default: none (every leaf serialized).
   */
  trustedLeaves?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Runs operations of `schema`, compiling the repeated queries. */
export type OperationExecutor = (request: OperationRequest) => Promise<ExecutionResult>;

export function compiledExecution(schema: GraphQLSchema, options: CompiledExecutionOptions = {}): OperationExecutor {
  const compileAfter = Math.max(1, options.compileAfter ?? 2);
  // Keyed by the parsed operation: Apollo's document cache hands the same node to every request of one query.
  const seen = new WeakMap<OperationDefinitionNode, Entry>();
  let checkedSchema: GraphQLSchema | null | undefined;
  const interpret = (request: OperationRequest): Promise<ExecutionResult> =>
    Promise.resolve(
      execute({
        schema,
        document: request.document,
        operationName: request.operationName,
        variableValues: request.variables,
        contextValue: request.contextValue,
      }),
    );
  return async (request) => {
    const { operation } = request;
    let entry = seen.get(operation);
    if (!entry) {
      entry = {
        compilable: operation.operation !== 'subscription' && !readsIntrospection(request.document) && !takesRecursiveInput(schema, operation),
        runs: 0,
        compiled: undefined,
        unchecked: null,
      };
      seen.set(operation, entry);
    }
    if (!entry.compilable) return interpret(request);
    entry.runs += 1;
    if (entry.compiled === undefined && entry.runs >= compileAfter) {
      const trusted = options.trustedLeaves;
      const leaves = operation.operation === 'query' && trusted && selectsOnlyTrustedLeaves(schema, request.document, trusted) ? { disableLeafSerialization: true } : {};
      const compiled = compileQuery(schema, request.document, operation.name?.value, leaves);
      entry.compiled = isCompiledQuery(compiled) ? compiled : null;
      if (entry.compiled && operation.operation === 'mutation') {
        checkedSchema ??= withCheckedInput(schema);
        entry.unchecked = checkedSchema && compileUnchecked(checkedSchema, request.document, operation);
      }
    }
    if (!entry.compiled) return interpret(request);
    if (operation.operation === 'mutation') {
      const checked = entry.unchecked?.check(request.variables ?? {});
      const outcome = checked ? entry.unchecked!.compiled.query(undefined, request.contextValue, checked) : entry.compiled.query(undefined, request.contextValue, request.variables ?? {});
      // graphql-jit answers a variable it cannot coerce at once, with errors and no data, before any resolver ran.
      if (!isPromise(outcome) && !('data' in outcome)) return interpret(request);
      const result = await outcome;
      return result.errors ? { ...result, errors: result.errors.map(asExecutionError) } : result;
    }
    // A query's variables are coerced once, by graphql-jit's compiled variable parsing, as a mutation's are; one
    // it cannot coerce is answered by graphql-js, with graphql-js's own errors.
    const outcome = entry.compiled.query(undefined, request.contextValue, request.variables ?? {});
    if (!isPromise(outcome) && !('data' in outcome)) return interpret(request);
    const result = await outcome;
    return result.errors ? { ...result, errors: result.errors.map(asExecutionError) } : result;
  };
}

interface Entry {
  compilable: boolean;
  runs: number;
  compiled: CompiledQuery | null | undefined;
  /** A mutation compiled to take variables that `check` found need no coercion (see input-check.ts). */
  unchecked: { check: InputCheck; compiled: CompiledQuery } | null;
}

/** The scalar a checked variable is declared as in the mutation compiled for checked variables: taken as it is. */
const CHECKED_INPUT = new GraphQLScalarType({ name: 'TracegateCheckedInput', parseValue: (value) => value });

// Private: the schema with CHECKED_INPUT added (same types, same resolvers); null when the name is taken.
function withCheckedInput(schema: GraphQLSchema): GraphQLSchema | null {
  if (schema.getType(CHECKED_INPUT.name)) return null;
  const config = schema.toConfig();
  return new GraphQLSchema({ ...config, types: [...config.types, CHECKED_INPUT] });
}

// Private: the operation compiled with every variable declared as CHECKED_INPUT, so graphql-jit hands the checked
// values to the resolvers as they are; with the check of the real declarations. Null when either cannot be made.
function compileUnchecked(checkedSchema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): Entry['unchecked'] {
  const check = compileInputCheck(checkedSchema, operation.variableDefinitions ?? []);
  if (!check) return null;
  const asChecked: OperationDefinitionNode = {
    ...operation,
    variableDefinitions: (operation.variableDefinitions ?? []).map((definition) => ({
      ...definition,
      type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: CHECKED_INPUT.name } },
      defaultValue: undefined,
    })),
  };
  const variant: DocumentNode = { ...document, definitions: document.definitions.map((definition) => (definition === operation ? asChecked : definition)) };
  const compiled = compileQuery(checkedSchema, variant, operation.name?.value);
  return isCompiledQuery(compiled) ? { check, compiled } : null;
}

/**
 * A compiled operation's error as graphql-js reports a field error: a GraphQLError of graphql-js (with its
 * `extensions` object, taken from the original error) with the same message, path and locations, wrapping
 * the error that caused it (graphql-js wraps even its own "Cannot return null" in an Error).
 */
function asExecutionError(error: GraphQLError): GraphQLError {
  const located = new GraphQLError(error.message, { path: error.path, originalError: error.originalError ?? new Error(error.message) });
  if (error.locations) Object.defineProperty(located, 'locations', { value: error.locations, enumerable: true, writable: true, configurable: true });
  return located;
}

// Private: whether a variable's input type contains itself (graphql-jit unrolls input types while compiling, so a
// recursive one never finishes compiling; such operations stay on graphql-js).
function takesRecursiveInput(schema: GraphQLSchema, operation: OperationDefinitionNode): boolean {
  const visiting = new Set<GraphQLInputObjectType>();
  const done = new Set<GraphQLInputObjectType>();
  const recursive = (type: GraphQLInputType): boolean => {
    const named = getNamedType(type);
    if (!isInputObjectType(named) || done.has(named)) return false;
    if (visiting.has(named)) return true;
    visiting.add(named);
    const found = Object.values(named.getFields()).some((field) => recursive(field.type));
    visiting.delete(named);
    done.add(named);
    return found;
  };
  return (operation.variableDefinitions ?? []).some((definition) => {
    const type = typeFromAST(schema, definition.type);
    return type !== undefined && isInputType(type) && recursive(type);
  });
}

// Private: graphql-jit returns a promise when a resolver did.
function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

// Private: whether every leaf of a built-in scalar or enum type that the document selects is a trusted one
// (meta fields such as __typename are the schema's own names). Unused fragments are looked at too.
function selectsOnlyTrustedLeaves(schema: GraphQLSchema, document: DocumentNode, trusted: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  const typeInfo = new TypeInfo(schema);
  let only = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const type = typeInfo.getType();
        const parent = typeInfo.getParentType();
        if (!type || !parent) {
          only = false;
          return BREAK;
        }
        const named = getNamedType(type);
        if (!(isEnumType(named) || isSpecifiedScalarType(named)) || node.name.value.startsWith('__')) return undefined;
        if (trusted.get(parent.name)?.has(node.name.value)) return undefined;
        only = false;
        return BREAK;
      },
    }),
  );
  return only;
}

// Private: whether the document asks for `__schema` or `__type` anywhere (introspection is left to graphql-js).
function readsIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}
