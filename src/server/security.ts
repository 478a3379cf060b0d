/**
 * The gateway's security pieces as one bundle, built once per gateway from its configuration: the token
 * authenticator, the query limits (HTTP rules and plugins; the same limits for graphql-ws through
 * `checkOperation`), the error masker and the ingest in-flight limiter. Transports take what they need from it,
 * so HTTP, WebSocket and the OTLP/Zipkin routes refuse the same things the same way.
 */
import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { ValidationRule } from 'graphql';
import type { Logger } from '../log';
import { Authenticator, type AuthOutcome, type TokenEntry } from '../auth';
import { authPlugin } from './auth';
import { DEFAULT_QUERY_LIMITS, documentRules, queryLimitsPlugin, type QueryLimits } from './limits';
import { createErrorMasker, errorPlugin, type ErrorMasker, type RequestNamed } from './masking';
import { BodyAdmission, IngestLimiter } from './overload';

export interface SecurityOptions {
  tokens: readonly TokenEntry[];
  production: boolean;
  log: Logger;
  queryLimits?: QueryLimits;
  /** Request body bytes held at once, and the body cap (what an unknown-length body counts); see overload.ts. */
  maxInflightBytes?: number;
  maxBodyBytes?: number;
  /** Spans in flight across all ingest routes; see overload.ts. */
  maxInflightIngestSpans?: number;
}

export interface Security {
  readonly authenticator: Authenticator;
  readonly queryLimits: QueryLimits;
  readonly masker: ErrorMasker;
  readonly ingestLimiter: IngestLimiter;
  /** The bound on request body bytes in flight, applied before a body is read. */
  readonly bodyAdmission: BodyAdmission;
  readonly production: boolean;
  /** Apollo `validationRules`: limits on the document alone (and no introspection in production). */
  validationRules(): ValidationRule[];
  /** Apollo plugins: operation scope, variable-aware cost, the request id and HTTP status of errors. */
  apolloPlugins<TContext extends BaseContext & RequestNamed>(): ApolloServerPlugin<TContext>[];
  /** Apollo `parseOptions`: the token limit, enforced while parsing. */
  parseOptions(): { maxTokens: number };
  /** The credentials of an HTTP request. */
  authenticateHttp(req: IncomingMessage): AuthOutcome;
}

export function createSecurity(options: SecurityOptions): Security {
  const authenticator = new Authenticator(options.tokens);
  const queryLimits = options.queryLimits ?? DEFAULT_QUERY_LIMITS;
  const masker = createErrorMasker({
    log: options.log,
    production: options.production,
    maxTokens: queryLimits.maxTokens,
  });
  const ingestLimiter = new IngestLimiter(options.maxInflightIngestSpans);
  const maxBodyBytes = options.maxBodyBytes ?? 5 * 1024 * 1024;
  const bodyAdmission = new BodyAdmission(options.maxInflightBytes ?? 16 * maxBodyBytes, maxBodyBytes);
  return {
    authenticator,
    queryLimits,
    masker,
    ingestLimiter,
    bodyAdmission,
    production: options.production,
    validationRules: () => documentRules(queryLimits, { production: options.production }),
    apolloPlugins: <TContext extends BaseContext & RequestNamed>() => [
      authPlugin<TContext>(authenticator),
      queryLimitsPlugin<TContext>(queryLimits),
      errorPlugin<TContext>(masker),
    ],
    parseOptions: () => ({ maxTokens: queryLimits.maxTokens }),
    authenticateHttp: (req) => authenticator.authenticate(req.headers.authorization),
  };
}
