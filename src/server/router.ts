/**
 * The route table: exact (method, path) matches, and prefix routes. Features add routes through a
 * GatewayExtension (extensions.ts, listed in extension-list.ts), e.g. POST /v1/traces and POST /api/v2/spans.
 */
import type { Config } from '../config';
import type { HttpMethod, HttpRoute, HttpRouteContext } from '../http';
import type { IngestService } from '../ingest';
import type { TraceStore } from '../store';
import type { Security } from './security';

/** What lives as long as the gateway, for routes and extensions. */
export interface GatewayServices {
  config: Config;
  store: TraceStore;
  ingest: IngestService;
  /** Tokens, query limits, error masking, ingest in-flight cap: shared by every transport. */
  security: Security;
}

/** A route of this gateway: one that needs at most the gateway's services. */
export type Route = HttpRoute<GatewayServices>;
export type RouteContext = HttpRouteContext<GatewayServices>;
export type { HttpMethod };

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
    // HEAD is GET without the body (Node's response drops the body of a HEAD request by itself).
    const route = methods.get(method as HttpMethod) ?? (method === 'HEAD' ? methods.get('GET') : undefined);
    if (route) return { kind: 'found', route };
    const allowed = [...methods.keys()];
    if (methods.has('GET') && !methods.has('HEAD')) allowed.push('HEAD');
    return { kind: 'wrong-method', allowed };
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
