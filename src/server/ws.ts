/**
 * graphql-ws (the `graphql-transport-ws` protocol, graphql-ws's PROTOCOL.md) on the HTTP server's own port and
 * path: a `ws` server without its own listener takes the HTTP server's `upgrade` requests for that path.
 * Wiring only: subscription logic lives in src/live, which knows no socket library.
 *
 * Served over WebSocket: subscriptions only (queries and mutations go over HTTP, where ingest overload
 * protection and HTTP status codes apply). Each subscribe is parsed and validated exactly like HTTP
 * (`checkOperation`: graphql-js rules + the shared limit rules; a valid verdict is kept for identical subscribes,
 * `CheckedOperations`), and its errors are masked like HTTP's.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { getOperationAST, GraphQLError, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { CloseCode, MessageType, type Context as WsContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import { ErrorCode, TracegateError } from '../errors';
import { newRequestId } from '../http';
import { log as rootLog, type Logger } from '../log';
import { requireScope, Scope, type AuthOutcome } from '../auth';
import type { ResultWriter } from '../live';
import { checkOperation, type OperationCheck, type QueryLimits } from './limits';
import { GRAPHQL_PATH } from './routes';
import type { ErrorMasker } from './masking';


export interface WebSocketLimits {
  /** Close a connection that has not sent `connection_init` within this time (close code 4408). */
  connectionInitTimeoutMs: number;
  /** Subscriptions one connection may hold at once; one more is refused with RATE_LIMITED. */
  maxSubscriptionsPerConnection: number;
  /** Largest incoming WebSocket message; larger closes the connection with 1009 (ws's default is 100 MiB). */
  maxMessageBytes: number;
  /** Server ping interval; a peer that does not pong within it is dropped. 0 disables. */
  keepAliveMs: number;
}

export const DEFAULT_WS_LIMITS: WebSocketLimits = {
  connectionInitTimeoutMs: 3_000,
  maxSubscriptionsPerConnection: 100,
  maxMessageBytes: 1024 * 1024,
  keepAliveMs: 12_000,
};

/**
 * What runs a validated subscription: `subscribe` resolves to the stream of results (or one result carrying
 * errors), sharing one execution among subscribers that send the same `shareKey` (src/live's SharedSubscriptions).
 * `writer` sends results as this subscription's graphql-ws `next` messages on its socket: a runner may write
 * results without errors through it (serialized once for every subscriber of a shared execution) and yield only
 * the rest, which graphql-ws then masks and sends.
 */
export interface SubscriptionRunner {
  subscribe(args: ExecutionArgs, shareKey: string, writer?: ResultWriter): Promise<AsyncIterable<ExecutionResult> | ExecutionResult>;
}

/** What the endpoint needs from the gateway. */
export interface WebSocketDeps<TContext extends { requestId: string }> {
  httpServer: HttpServer;
  schema: GraphQLSchema;
  queryLimits: QueryLimits;
  production: boolean;
  masker: ErrorMasker;
  shared: SubscriptionRunner;
  /** A fresh GraphQL context for one subscription of a connection that authenticated as `auth`. */
  createContext(requestId: string, auth: AuthOutcome): TContext;
  /**
   * Looks at the `connection_init` payload (e.g. `{ authorization: 'Bearer <token>' }`). Absent: every
   * connection is `open`. A connection without the `read` scope is closed with 4403 before any subscribe.
   */
  authenticate?(payload: Readonly<Record<string, unknown>> | undefined): AuthOutcome;
  limits?: Partial<WebSocketLimits>;
  path?: string;
  log?: Logger;
}

export interface WebSocketEndpoint {
  readonly limits: WebSocketLimits;
  stats(): { connections: number; subscriptions: number };
  /** Closes every connection (1001 Going Away) and stops taking upgrades. */
  close(): Promise<void>;
}

/** How long `close` waits for peers to finish the close handshake before dropping them. */
const CLOSE_GRACE_MS = 1_000;

export function attachWebSocket<TContext extends { requestId: string }>(deps: WebSocketDeps<TContext>): WebSocketEndpoint {
  const limits: WebSocketLimits = { ...DEFAULT_WS_LIMITS, ...deps.limits };
  const path = deps.path ?? GRAPHQL_PATH;
  const log = deps.log ?? rootLog.child('ws');
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes });
  const auths = new WeakMap<object, AuthOutcome>();
  const shareKeys = new WeakMap<object, string>();
  const writers = new WeakMap<object, ResultWriter>();
  const connections = new Set<WsContext>();
  const checked = new CheckedOperations((query, variables) => checkOperation(deps.schema, query, variables, deps.queryLimits, { production: deps.production }));

  const disposable = useServer<Record<string, unknown>>(
    {
      schema: deps.schema,
      connectionInitWaitTimeout: limits.connectionInitTimeoutMs,
      onConnect(ctx) {
        const auth = deps.authenticate?.(ctx.connectionParams) ?? { kind: 'open' };
        try {
          requireScope(auth, Scope.READ);
        } catch (err) {
          if (!(err instanceof TracegateError)) throw err;
          // A missing or unknown token and a token without `read` alike close with 4403 (CloseCode.Forbidden);
          // the reason says which. 4401 is graphql-ws's "subscribe before connection_ack", a different thing.
          const code = CloseCode.Forbidden;
          ctx.extra.socket.close(code, closeReason(err.message));
          return false;
        }
        auths.set(ctx, auth);
        connections.add(ctx);
        return true;
      },
      onClose(ctx) {
        connections.delete(ctx);
      },
      onSubscribe(ctx, id, payload) {
        const held = Object.keys(ctx.subscriptions).length; // includes this one: graphql-ws reserves its id first
        if (held > limits.maxSubscriptionsPerConnection) {
          return [
            new GraphQLError(
              `Too many subscriptions on this connection: expected at most ${limits.maxSubscriptionsPerConnection} at once, received a subscribe for number ${held}. Complete one first or open another connection.`,
              { extensions: { code: ErrorCode.RATE_LIMITED, limit: limits.maxSubscriptionsPerConnection } },
            ),
          ];
        }
        const check = checked.check(payload.query, payload.variables);
        if (check.kind === 'invalid') return [...check.errors];
        const operation = getOperationAST(check.document, payload.operationName);
        if (!operation) {
          return [badInput(`Could not pick the operation: expected one operation or an operationName naming one, received ${payload.operationName ? `"${payload.operationName}"` : 'none'}.`)];
        }
        if (operation.operation !== 'subscription') {
          return [badInput(`Only subscriptions are served over WebSocket, received a ${operation.operation}: send queries and mutations as HTTP POST ${path}.`)];
        }
        const auth = auths.get(ctx) ?? { kind: 'missing' };
        const args: ExecutionArgs = {
          schema: deps.schema,
          document: check.document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: deps.createContext(newRequestId(), auth),
        };
        shareKeys.set(args, shareKeyOf(auth, payload.operationName, payload.variables, payload.query));
        writers.set(args, nextWriter(ctx.extra.socket, id));
        return args;
      },
      subscribe(args) {
        return deps.shared.subscribe(args, shareKeys.get(args) ?? newRequestId(), writers.get(args));
      },
      onNext(_ctx, _id, _payload, args, result) {
        if (!result.errors) return undefined;
        const requestId = (args.contextValue as TContext | undefined)?.requestId;
        return { ...result, errors: deps.masker.maskErrors(result.errors, requestId) };
      },
      onError(_ctx, _id, _payload, errors) {
        return deps.masker.maskErrors(errors);
      },
    },
    wss,
    limits.keepAliveMs,
  );

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (pathOf(request.url) !== path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  deps.httpServer.on('upgrade', onUpgrade);
  log.debug('graphql-ws attached', { path, ...limits });

  return {
    limits,
    stats() {
      let subscriptions = 0;
      for (const ctx of connections) subscriptions += Object.keys(ctx.subscriptions).length;
      return { connections: wss.clients.size, subscriptions };
    },
    async close() {
      deps.httpServer.off('upgrade', onUpgrade);
      const stragglers = setTimeout(() => {
        for (const client of wss.clients) client.terminate();
      }, CLOSE_GRACE_MS);
      try {
        await disposable.dispose();
      } finally {
        clearTimeout(stragglers);
      }
    },
  };
}

/** How many distinct valid subscribe operations (query and variables) keep their checked document. */
export const CHECKED_OPERATIONS_MAX = 256;

/**
 * The verdicts of `checkOperation` for recent valid subscribes, by query and variables (the verdict depends on
 * nothing else for one endpoint): a screen's many identical subscribes are parsed and validated once and share one
 * document (execution only reads it). Invalid ones are checked each time. At most CHECKED_OPERATIONS_MAX, the
 * longest unused dropped first.
 */
export class CheckedOperations {
  private readonly valid = new Map<string, OperationCheck>();

  constructor(
    private readonly run: (query: string, variables: Readonly<Record<string, unknown>> | null | undefined) => OperationCheck,
    private readonly max = CHECKED_OPERATIONS_MAX,
  ) {}

  check(query: string, variables: Readonly<Record<string, unknown>> | null | undefined): OperationCheck {
    const key = JSON.stringify([query, variables ?? null]);
    const known = this.valid.get(key);
    if (known) {
      this.valid.delete(key);
      this.valid.set(key, known);
      return known;
    }
    const check = this.run(query, variables);
    if (check.kind === 'valid') {
      this.valid.set(key, check);
      if (this.valid.size > this.max) this.valid.delete(this.valid.keys().next().value!);
    }
    return check;
  }

  get size(): number {
    return this.valid.size;
  }
}

// Private: identical operations from callers with the same identity share one execution.
function shareKeyOf(auth: AuthOutcome, operationName: string | null | undefined, variables: unknown, query: string): string {
  const who = auth.kind === 'authenticated' ? `principal:${auth.principal.name}` : auth.kind;
  return JSON.stringify([who, operationName ?? null, variables ?? null, query]);
}

/**
 * Writes results as graphql-ws `next` messages of subscription `id` (PROTOCOL.md: `{ id, type: "next", payload:
 * ExecutionResult }`), the same text graphql-ws sends for a result without errors. `sent` follows the socket's
 * own write callback, so one message at a time waits in `ws` and the rest in the subscription's bounded queue.
 */
function nextWriter(socket: WebSocket, id: string): ResultWriter {
  const head = `{"id":${JSON.stringify(id)},"type":"${MessageType.Next}","payload":`;
  return {
    write(json, sent) {
      if (socket.readyState !== WebSocket.OPEN) queueMicrotask(sent);
      else socket.send(head + json + '}', sent);
    },
  };
}

function pathOf(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
}

// Private: a WebSocket close reason is at most 123 bytes (RFC 6455 §5.5: 125-byte control payload, 2 for the code).
function closeReason(message: string): string {
  const bytes = Buffer.from(message, 'utf8');
  return bytes.length <= 123 ? message : `${bytes.subarray(0, 120).toString('utf8').replace(/\uFFFD$/, '')}...`;
}
