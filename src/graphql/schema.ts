/**
 * The executable schema: the SDL files in schema/ (the API's single source of truth) with resolvers
 * attached. graphql-tools is not a dependency; attaching is a short walk over the built schema.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildSchema, GraphQLObjectType, GraphQLScalarType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { Resolvers } from '../generated/graphql';
import { coreResolvers } from './resolvers';

const SCHEMA_DIR = 'schema';
const MAIN_SDL = 'tracegate.graphql';

export interface SchemaOptions {
  /** More resolver maps (e.g. Subscription from src/live), merged over the core's field by field. */
  extraResolvers?: readonly Resolvers[];
}

export function createSchema(options: SchemaOptions = {}): GraphQLSchema {
  const schema = buildSchema(loadSdl(), { noLocation: false });
  for (const resolvers of [coreResolvers, ...(options.extraResolvers ?? [])]) attachResolvers(schema, resolvers);
  return schema;
}

/** Every `.graphql` file of the schema directory, in name order, joined. */
export function loadSdl(dir: string = findSchemaDir()): string {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

// Private: the schema directory sits at the package root, above src/ when run by ts-jest and above
// dist/src/ when run compiled; walk up rather than hard-code either depth.
function findSchemaDir(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, SCHEMA_DIR);
    if (existsSync(join(candidate, MAIN_SDL))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${SCHEMA_DIR}/${MAIN_SDL} not found above ${__dirname}`);
    dir = parent;
  }
}

type FieldResolverEntry = GraphQLFieldResolver<unknown, unknown> | { resolve?: GraphQLFieldResolver<unknown, unknown>; subscribe?: GraphQLFieldResolver<unknown, unknown> };

// Private: scalars take their functions from the given GraphQLScalarType; object fields take a resolver
// function or a { subscribe, resolve } pair. A resolver for a type or field the SDL lacks is a programming
// error and fails loudly at start.
function attachResolvers(schema: GraphQLSchema, resolvers: Resolvers): void {
  for (const [typeName, entry] of Object.entries(resolvers as Record<string, unknown>)) {
    const type = schema.getType(typeName);
    if (!type) throw new Error(`resolvers given for type ${typeName}, which the schema does not define`);
    if (type instanceof GraphQLScalarType) {
      const impl = entry as GraphQLScalarType;
      type.serialize = impl.serialize.bind(impl);
      type.parseValue = impl.parseValue.bind(impl);
      type.parseLiteral = impl.parseLiteral.bind(impl);
      continue;
    }
    if (!(type instanceof GraphQLObjectType)) throw new Error(`resolvers given for ${typeName}, which is not an object type or scalar`);
    const fields = type.getFields();
    for (const [fieldName, fieldEntry] of Object.entries(entry as Record<string, FieldResolverEntry>)) {
      const field = fields[fieldName];
      if (!field) throw new Error(`resolver given for ${typeName}.${fieldName}, which the schema does not define`);
      if (typeof fieldEntry === 'function') field.resolve = fieldEntry;
      else {
        if (fieldEntry.resolve) field.resolve = fieldEntry.resolve;
        if (fieldEntry.subscribe) field.subscribe = fieldEntry.subscribe;
      }
    }
  }
}
