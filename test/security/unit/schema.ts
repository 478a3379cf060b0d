/** The API's SDL as a schema without resolvers: enough for validation-rule unit tests. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, type GraphQLSchema } from 'graphql';

export function apiSchema(): GraphQLSchema {
  const dir = join(__dirname, '..', '..', '..', 'schema');
  const sdl = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
  return buildSchema(sdl);
}
