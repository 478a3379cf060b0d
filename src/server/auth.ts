/** Bearer tokens on GraphQL over HTTP: the Apollo plugin. The tokens and scopes themselves are src/auth.ts. */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { requireScope, scopeForOperation, type Authenticator } from '../auth';

/**
 * Apollo plugin: once the operation is known, requires the scope its type needs, judged from the request's
 * `Authorization` header (HTTP statuses are set by the error-status plugin in masking.ts). Runs before any
 * resolver, so a refused operation never reaches the store. The HTTP gate has already turned away requests
 * without a known token; this plugin refuses them too when Apollo is used without the gate.
 */
export function authPlugin<TContext extends BaseContext>(authenticator: Authenticator): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, operation }) {
          if (!operation) return;
          requireScope(authenticator.authenticate(request.http?.headers.get('authorization')), scopeForOperation(operation.operation));
        },
      };
    },
  };
}
