/**
 * The per-request GraphQL context. Built for each HTTP request (and each subscription operation) by
 * `createContext`. Authentication is decided before a resolver runs (the Apollo auth plugin, the graphql-ws
 * connection check); the auth plugin leaves who asked on `principal` for resolvers that check a further scope
 * (`deleteTraces`).
 */
import type { IngestLimits } from '../domain';
import type { IngestService } from '../ingest';
import type { TracePart, TraceStore } from '../store';
import { createLoaders, type Loaders } from './loaders';

export interface GraphQLContext {
  /** Correlates the client-visible error with the server log line. */
  requestId: string;
  store: TraceStore;
  ingest: IngestService;
  loaders: Loaders;
  limits: IngestLimits;
  /**
   * The trace summary parts the request's searches read (src/graphql/projection.ts), set once the operation is
   * known; absent: every part.
   */
  traceParts?: ReadonlySet<TracePart>;
  /** Who asked: set by the auth plugin once the operation is known; absent when authentication is off. */
  principal?: { readonly name: string; readonly scopes: ReadonlySet<string> };
}

/** What lives as long as the gateway: shared by every request's context. */
export interface ContextDeps {
  store: TraceStore;
  ingest: IngestService;
  limits: IngestLimits;
}

export function createContext(deps: ContextDeps, requestId: string): GraphQLContext {
  return { requestId, store: deps.store, ingest: deps.ingest, limits: deps.limits, loaders: createLoaders(deps.store) };
}

/**
 * The context of a long-lived operation (a subscription): its DataLoaders are built when a resolver first reads
 * them, so a subscription whose events never read through them (`traceUpdated { spans { ... } }`) holds none.
 * `renewLoaders` drops them: the next read builds fresh ones, so no cache outlives one event.
 */
export function createSubscriptionContext(deps: ContextDeps, requestId: string): GraphQLContext {
  return new SubscriptionContext(deps, requestId);
}

/** Drops a context's DataLoaders: the next read through `loaders` builds fresh ones. */
export function renewLoaders(context: GraphQLContext): void {
  if (context instanceof SubscriptionContext) context.renew();
  else context.loaders = createLoaders(context.store);
}

class SubscriptionContext implements GraphQLContext {
  readonly requestId: string;
  readonly store: TraceStore;
  readonly ingest: IngestService;
  readonly limits: IngestLimits;
  traceParts?: ReadonlySet<TracePart>;
  principal?: { readonly name: string; readonly scopes: ReadonlySet<string> };
  private built: Loaders | null = null;

  constructor(deps: ContextDeps, requestId: string) {
    this.requestId = requestId;
    this.store = deps.store;
    this.ingest = deps.ingest;
    this.limits = deps.limits;
  }

  get loaders(): Loaders {
    return (this.built ??= createLoaders(this.store));
  }

  set loaders(loaders: Loaders) {
    this.built = loaders;
  }

  renew(): void {
    this.built = null;
  }
}
