/** Bearer tokens on GraphQL over HTTP: the Apollo plugin. The tokens and scopes themselves are src/auth.ts. */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { requireScope, scopesForOperation, type Authenticator, type Principal } from '../auth';

/**
 * Apollo plugin: once the operation is known, requires every scope it needs (scopesForOperation), judged from
 * the request's `Authorization` header (HTTP statuses are set by the error-status plugin in masking.ts). Runs
 * before any resolver, so a refused operation never reaches the store. The HTTP gate has already turned away
 * requests without a known token; this plugin refuses them too when Apollo is used without the gate. The
 * principal is left on the context as `principal` (absent when authentication is off) for resolvers that
 * check or log who asked.
 */
export function authPlugin<TContext extends BaseContext>(authenticator: Authenticator): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, operation, document, contextValue }) {
          if (!operation) return;
          const outcome = authenticator.authenticate(request.http?.headers.get('authorization'));
          let principal: Principal | undefined;
          for (const scope of scopesForOperation(operation, document)) principal = requireScope(outcome, scope);
          if (principal && typeof contextValue === 'object' && contextValue !== null) (contextValue as { principal?: Principal }).principal = principal;
        },
      };
    },
  };
}
