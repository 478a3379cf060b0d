/**
 * Repeated queries served without Apollo's HTTP and request-pipeline machinery, with the same plugins and the same
 * answer.
 *
 * A query text (with its operation name) that Apollo has already parsed, validated and resolved to a query
 * operation, and run through the executor, is recorded here with its parsed document. A later POST of the same
 * text is answered by `serve`: the request context and every plugin hook Apollo would run for it (requestDidStart,
 * didResolveSource, didResolveOperation, willSendResponse: the auth scopes, the variable-aware query cost, the
 * metrics, the span parts, `cache-control`), in Apollo's order, then the same executor, and the reply Apollo
 * would write (`content-type`, its JSON text). What it skips is work that does nothing for such a request:
 * hashing the query text to find the parsed document again, the Accept negotiations (only requests whose Accept
 * header is absent or one of a few that Apollo answers with `application/json` come here), the HTTP checks that a
 * recorded query's JSON body already passed, and Apollo's per-hook bookkeeping.
 *
 * Whenever the outcome is anything but a plain success, Apollo answers instead, so every error keeps Apollo's
 * handling (masking, HTTP statuses, request ids): a plugin hook that throws (an unauthorised scope, a query too
 * costly for these variables), a listener with a hook `serve` does not run, a result with errors. When the
 * operation already ran, Apollo is handed its result (`takeResult`) rather than running it a second time.
 * Mutations are never recorded: they always go through Apollo.
 */
import type { ApolloServer, ApolloServerPlugin, BaseContext, GraphQLRequest, GraphQLRequestContext, GraphQLRequestListener, HeaderMap } from '@apollo/server';
import type { DocumentNode, ExecutionResult, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { mediaTypeOf } from '../http';

/** What Apollo's gateway executor is handed, as far as recording reads it. */
export interface ExecutedRequest {
  source?: string;
  queryHash?: string;
  document: DocumentNode;
  operation?: OperationDefinitionNode;
  operationName?: string | null;
  request: { operationName?: string };
}

export type RunOperation<TContext> = (request: { document: DocumentNode; operation: OperationDefinitionNode; operationName?: string | null; variables?: Readonly<Record<string, unknown>> | null; contextValue: TContext }) => Promise<ExecutionResult>;

/** A POST /graphql request as the route has read it. */
export interface PreparedRequest<TContext> {
  /** The parsed JSON body. */
  body: unknown;
  /** The request headers, as Apollo's plugins see them. */
  headers: HeaderMap;
  search: string;
  accept: string | undefined;
  contextValue: () => TContext;
}

/** The reply to write, or null: let Apollo answer. */
export interface PreparedReply {
  status: number;
  headers: Iterable<[string, string]>;
  body: string;
}

/** How running an operation ended. */
type Outcome = { result: ExecutionResult } | { thrown: unknown };

interface Prepared {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  queryHash: string;
}

/** Accept headers Apollo answers with `application/json; charset=utf-8` for a query (its negotiation, unrolled). */
const JSON_ACCEPTS: ReadonlySet<string> = new Set(['application/json', '*/*', 'application/json, */*']);
const APPLICATION_JSON = 'application/json; charset=utf-8';
/** The listener hooks `serve` runs; a listener with any other hook is left to Apollo. */
const SERVED_HOOKS: ReadonlySet<string> = new Set(['didResolveSource', 'didResolveOperation', 'willSendResponse', 'didEncounterErrors', 'parsingDidStart', 'validationDidStart']);
/** Recorded texts kept at most (the least recently used go first). */
const MAX_PREPARED = 1000;

export class PreparedQueries<TContext extends BaseContext> {
  private readonly prepared = new Map<string, Prepared>();
  /** Results of operations `serve` ran and then left to Apollo, by the request's context (Apollo copies the
   *  context object it is given, so the key is a value both copies share: `resultKey`). */
  private readonly results = new WeakMap<object, Outcome>();
  private served = 0;
  private leftToApollo = 0;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly run: RunOperation<TContext>,
    /** An object held by the request's context and by Apollo's copy of it (the gateway: its loaders). */
    private readonly resultKey: (context: TContext) => object,
  ) {}

  /** Requests answered here, and requests of a recorded query left to Apollo once begun here (errors, refusals). */
  stats(): { served: number; leftToApollo: number; recorded: number } {
    return { served: this.served, leftToApollo: this.leftToApollo, recorded: this.prepared.size };
  }

  /** Called by the executor for every operation Apollo runs: records the queries. */
  record(request: ExecutedRequest): void {
    const { source, operation, queryHash } = request;
    if (source === undefined || queryHash === undefined || operation?.operation !== 'query') return;
    const key = keyOf(source, request.request.operationName);
    if (this.prepared.has(key)) return;
    if (this.prepared.size >= MAX_PREPARED) this.prepared.delete(this.prepared.keys().next().value!);
    this.prepared.set(key, { document: request.document, operation, queryHash });
  }

  /**
   * The result `serve` already computed for this request's context, once, so Apollo need not run the operation
   * again (thrown again when running it threw); undefined when there is none.
   */
  takeResult(context: TContext): ExecutionResult | undefined {
    const key = this.resultKey(context);
    const outcome = this.results.get(key);
    if (!outcome) return undefined;
    this.results.delete(key);
    if ('thrown' in outcome) throw outcome.thrown;
    return outcome.result;
  }

  /** Answers a recorded query as Apollo would, or returns null (nothing of it done, or its result kept for Apollo). */
  async serve(apollo: ApolloServer<TContext>, request: PreparedRequest<TContext>): Promise<PreparedReply | null> {
    if (this.prepared.size === 0 || (request.accept !== undefined && !JSON_ACCEPTS.has(request.accept))) return null;
    // Apollo's CSRF check lets any parsable non-simple content type through; plain JSON is one.
    if (mediaTypeOf(request.headers.get('content-type')) !== 'application/json') return null;
    const graphql = graphQLRequestOf(request.body);
    if (!graphql) return null;
    const key = keyOf(graphql.query, graphql.operationName);
    const prepared = this.prepared.get(key);
    if (!prepared) return null;
    const plugins = startedPlugins(apollo);
    if (!plugins) return null;
    // Most recently used last.
    this.prepared.delete(key);
    this.prepared.set(key, prepared);

    let contextValue: TContext;
    try {
      contextValue = request.contextValue();
    } catch {
      // Apollo reports a context that cannot be made (its contextCreationDidFail hooks).
      return this.leave();
    }
    const http = { method: 'POST', headers: request.headers, search: request.search, body: request.body };
    const headers = newHeaderMap(request.headers);
    const requestContext = {
      logger: apollo.logger,
      cache: apollo.cache,
      schema: this.schema,
      request: { ...graphql, http },
      response: { http: { headers, status: undefined as number | undefined } },
      contextValue,
      metrics: { persistedQueryHit: false, persistedQueryRegister: false },
      overallCachePolicy: newCachePolicy(),
      requestIsBatched: false,
      source: graphql.query,
      queryHash: prepared.queryHash,
      document: prepared.document,
      operation: prepared.operation,
      operationName: prepared.operation.name?.value ?? null,
    } as unknown as GraphQLRequestContext<TContext> & { response: { body?: unknown } };

    let listeners: GraphQLRequestListener<TContext>[];
    try {
      listeners = await startListeners(plugins, requestContext);
      if (!listeners.every(servable)) return this.leave();
      const resolvedSource = runHook(listeners, 'didResolveSource', requestContext);
      if (resolvedSource) await resolvedSource;
      const resolvedOperation = runHook(listeners, 'didResolveOperation', requestContext);
      if (resolvedOperation) await resolvedOperation;
    } catch {
      // Refused (scope, cost, ...) or a hook that failed: Apollo runs the same hooks again and answers with its own error.
      return this.leave();
    }
    let result: ExecutionResult;
    try {
      result = await this.run({ document: prepared.document, operation: prepared.operation, operationName: requestContext.operationName, variables: graphql.variables, contextValue });
    } catch (error) {
      return this.leave(contextValue, { thrown: error });
    }
    if (result.errors?.length) return this.leave(contextValue, { result });
    requestContext.response.body = { kind: 'single', singleResult: { ...result, errors: undefined } };
    try {
      const sent = runHook(listeners, 'willSendResponse', requestContext);
      if (sent) await sent;
    } catch {
      return this.leave(contextValue, { result });
    }
    this.served += 1;
    const body = requestContext.response.body as { kind: string; singleResult: ExecutionResult };
    if (!headers.get('content-type')) headers.set('content-type', APPLICATION_JSON);
    const single = body.singleResult;
    return {
      status: requestContext.response.http.status ?? 200,
      headers,
      body: JSON.stringify({ errors: single.errors, data: single.data, extensions: single.extensions }) + '\n',
    };
  }

  // Private: leaves the request to Apollo, with the result when the operation already ran.
  private leave(contextValue?: TContext, outcome?: Outcome): null {
    this.leftToApollo += 1;
    if (contextValue && outcome) this.results.set(this.resultKey(contextValue), outcome);
    return null;
  }
}

type ServedHook = 'didResolveSource' | 'didResolveOperation' | 'willSendResponse';

// Private: every plugin's `requestDidStart`, run together as Apollo runs them; the listeners they returned.
async function startListeners<TContext extends BaseContext>(plugins: readonly ApolloServerPlugin<TContext>[], requestContext: GraphQLRequestContext<TContext>): Promise<GraphQLRequestListener<TContext>[]> {
  const starting: (Promise<GraphQLRequestListener<TContext> | void> | undefined)[] = [];
  for (const plugin of plugins) if (plugin.requestDidStart) starting.push(plugin.requestDidStart(requestContext));
  const listeners: GraphQLRequestListener<TContext>[] = [];
  for (const listener of await Promise.all(starting)) if (listener !== undefined && listener !== null) listeners.push(listener);
  return listeners;
}

// Private: whether `serve` runs every hook of a listener.
function servable<TContext extends BaseContext>(listener: GraphQLRequestListener<TContext>): boolean {
  for (const hook in listener) if (!SERVED_HOOKS.has(hook)) return false;
  return true;
}

// Private: one hook of every listener that has it, started together as Apollo starts them; what they return
// together, or undefined when no listener has the hook (nothing to wait for).
function runHook<TContext extends BaseContext>(listeners: readonly GraphQLRequestListener<TContext>[], hook: ServedHook, requestContext: GraphQLRequestContext<TContext>): Promise<unknown> | undefined {
  let running: unknown[] | undefined;
  for (const listener of listeners) {
    const run = listener[hook] as ((context: GraphQLRequestContext<TContext>) => unknown) | undefined;
    if (run) (running ??= []).push(run.call(listener, requestContext));
  }
  return running && Promise.all(running);
}

function keyOf(query: string, operationName: string | undefined | null): string {
  return operationName ? `${operationName}\n${query}` : query;
}

// Private: the GraphQL request of a POST body, read as Apollo reads it, when the body is one Apollo accepts as it
// is; null for anything else (a batch, persisted-query extensions, a misplaced type), which Apollo answers.
function graphQLRequestOf(body: unknown): (GraphQLRequest & { query: string; operationName?: string; variables?: Record<string, unknown> }) | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const record = body as Record<string, unknown>;
  if (typeof record.query !== 'string' || 'extensions' in record) return null;
  const { variables, operationName } = record;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return null;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
  const out: GraphQLRequest & { query: string; operationName?: string; variables?: Record<string, unknown> } = { query: record.query };
  if (typeof operationName === 'string') out.operationName = operationName;
  if (variables) out.variables = variables as Record<string, unknown>;
  return out;
}

// Private: Apollo's plugins once it has started (its own implicit ones included), or null when they cannot be
// read, or it is not running: then Apollo answers.
function startedPlugins<TContext extends BaseContext>(apollo: ApolloServer<TContext>): readonly ApolloServerPlugin<TContext>[] | null {
  const internals = (apollo as unknown as { internals?: { plugins?: unknown; state?: { phase?: unknown } } }).internals;
  if (!internals || internals.state?.phase !== 'started' || !Array.isArray(internals.plugins)) return null;
  return internals.plugins as ApolloServerPlugin<TContext>[];
}

// Private: an empty HeaderMap (the class of the request's own map).
function newHeaderMap(like: HeaderMap): HeaderMap {
  return new (like.constructor as new () => HeaderMap)();
}

// Private: Apollo's initial cache policy of a request (no hint yet).
function newCachePolicy(): { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE'; restrict(h: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }): void; replace(h: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }): void; policyIfCacheable(): { maxAge: number; scope: 'PUBLIC' | 'PRIVATE' } | null } {
  return {
    maxAge: undefined,
    scope: undefined,
    restrict(hint) {
      if (hint.maxAge !== undefined && (this.maxAge === undefined || hint.maxAge < this.maxAge)) this.maxAge = hint.maxAge;
      if (hint.scope !== undefined && this.scope !== 'PRIVATE') this.scope = hint.scope;
    },
    replace(hint) {
      if (hint.maxAge !== undefined) this.maxAge = hint.maxAge;
      if (hint.scope !== undefined) this.scope = hint.scope;
    },
    policyIfCacheable() {
      if (this.maxAge === undefined || this.maxAge === 0) return null;
      return { maxAge: this.maxAge, scope: this.scope ?? 'PUBLIC' };
    },
  };
}
