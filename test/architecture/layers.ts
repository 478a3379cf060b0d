/**
 * The layer rule of the gateway's source, as data. Imports point one way: a module may import its own layer
 * and the layers listed before it, never one listed after it. What a lower layer needs from above is a small
 * interface it declares itself. Checked by `layers.test.ts` (part of `npm test`) over the TypeScript import graph.
 *
 * Adding a folder or a top-level file: put it in the layer it belongs to below. A path names a file or a folder
 * (everything under it); the longest matching path decides. A file under src/ that matches nothing fails the test.
 */
export interface Layer {
  readonly name: string;
  readonly paths: readonly string[];
  /** Imports nothing of the gateway (only libraries and its own files). */
  readonly standsAlone?: boolean;
}

export const LAYERS: readonly Layer[] = [
  // Bottom-level shared modules: any layer may import them; they import only each other.
  { name: 'base', paths: ['src/errors.ts', 'src/log.ts', 'src/metrics.ts', 'src/auth.ts', 'src/http', 'src/error-edge.ts', 'src/cli-args.ts'] },
  // Spans and traces: validation checks, time, ids, trace assembly.
  { name: 'domain', paths: ['src/domain'] },
  // Redaction of span data before anything stores it.
  { name: 'privacy', paths: ['src/privacy'] },
  // The TraceStore contract and its MongoDB implementation.
  { name: 'store', paths: ['src/store'] },
  // What uses the store: the one ingest path and its formats, live updates, service analytics (one level).
  { name: 'ingest / live / analytics', paths: ['src/ingest', 'src/live', 'src/analytics'] },
  // The GraphQL schema, resolvers and loaders (and the resolver types codegen writes for them).
  { name: 'graphql', paths: ['src/graphql', 'src/generated'] },
  // The Zipkin v2 and Jaeger HTTP query APIs.
  { name: 'query-api', paths: ['src/query-api'] },
  // Settings from the environment and flags, validated.
  { name: 'config', paths: ['src/config.ts'] },
  // HTTP + Apollo + graphql-ws wiring, security, and the composition of features (server/extension-list.ts).
  { name: 'server', paths: ['src/server'] },
  // Entry points.
  { name: 'main', paths: ['src/main.ts', 'src/demo', 'src/soak', 'src/stats-rebuild.ts'] },
];

/**
 * Folders that stand alone: they import nothing of the gateway but the bottom-level modules named in
 * `STANDALONE_MAY_IMPORT`, and the gateway reaches them only through their index.ts.
 */
export const STANDALONE: readonly string[] = ['src/embedded-mongo'];
export const STANDALONE_MAY_IMPORT: readonly string[] = ['src/log.ts'];

/**
 * Imports past a (nested) folder's index.ts that exist today, `importer -> imported`; each to be removed by whoever
 * owns the files (like the exceptions below, this list only shrinks).
 */
export const KNOWN_DEEP_IMPORTS: readonly string[] = [];

/**
 * Exceptions that exist today, each to be removed by whoever owns the files (the test fails on an exception that
 * is gone, so these lists only shrink). An upward import is `importer -> imported`; a cycle is the files of the
 * cycle joined by ` -> `, as the test prints it.
 */
export const KNOWN_UPWARD_IMPORTS: readonly string[] = [];
export const KNOWN_CYCLES: readonly string[] = [];
