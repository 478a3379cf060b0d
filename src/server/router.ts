/**
 * The route table: exact (method, path) matches. Colleagues add routes through a GatewayExtension
 * (see extensions.ts), e.g. POST /v1/traces and POST /api/v2/spans.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config';
import type { IngestService } from '../ingest/service';
import type { Failure } from '../error-edge';
import type { TraceStore } from '../store';
import type { Security } from './security';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'OPTIONS';

export interface RouteContext {
  requestId: string;
  url: URL;
  services: GatewayServices;
}

/** What lives as long as the gateway, for routes and extensions. */
export interface GatewayServices {
  config: Config;
  store: TraceStore;
  ingest: IngestService;
  /** Tokens, query limits, error masking, ingest in-flight cap: shared by every transport. */
  security: Security;
}

export interface Route {
  method: HttpMethod;
  path: string;
  /** Served without a token (health, landing page). Other routes need a known token when tokens are configured. */
  public?: boolean;
  /** Also matches every longer path that starts with `path` (which then ends in `/`), e.g. `/api/traces/{id}`;
   *  an exact route wins, then the longest prefix. The handler reads the rest from `ctx.url`. */
  prefix?: boolean;
  /** Respond fully, or throw: the router turns what was thrown into a Failure at the error edge (src/error-edge.ts). */
  handle(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void>;
  /** Writes a failure in the route's own protocol (OTLP: a google.rpc.Status). Default: the JSON error body. */
  sendFailure?(req: IncomingMessage, res: ServerResponse, failure: Failure, ctx: RouteContext): void;
  /** Retry-After seconds when this route fails because the store is unavailable (default 1). */
  storeRetryAfterSeconds?: number;
}

export type RouteMatch = { kind: 'found'; route: Route } | { kind: 'wrong-method'; allowed: HttpMethod[] } | { kind: 'not-found' };

export class Router {
  private readonly byPath = new Map<string, Map<HttpMethod, Route>>();
  private readonly byPrefix = new Map<string, Map<HttpMethod, Route>>();

  add(route: Route): void {
    const table = route.prefix ? this.byPrefix : this.byPath;
    let methods = table.get(route.path);
    if (!methods) {
      methods = new Map();
      table.set(route.path, methods);
    }
    if (methods.has(route.method)) throw new Error(`route ${route.method} ${route.path} is registered twice`);
    methods.set(route.method, route);
  }

  match(method: string, path: string): RouteMatch {
    const methods = this.byPath.get(path) ?? this.longestPrefix(path);
    if (!methods) return { kind: 'not-found' };
    const route = methods.get(method as HttpMethod);
    return route ? { kind: 'found', route } : { kind: 'wrong-method', allowed: [...methods.keys()] };
  }

  // Private: the prefix routes of the longest registered prefix of `path`.
  private longestPrefix(path: string): Map<HttpMethod, Route> | undefined {
    let best: string | undefined;
    for (const prefix of this.byPrefix.keys()) {
      if (path.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
    }
    return best === undefined ? undefined : this.byPrefix.get(best);
  }
}
