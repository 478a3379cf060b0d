/**
 * One urql client per token: queries over HTTP POST (Apollo's CSRF prevention refuses a plain GET), subscriptions
 * over graphql-ws on the same origin, both carrying the token.
 */
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { authHeaders } from './auth';

export interface ApiClients {
  client: Client;
  ws: WsClient;
}

export function createApiClients(token: string | null, onSocketError: (message: string) => void): ApiClients {
  const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`;
  const ws = createWsClient({
    url: wsUrl,
    lazy: true,
    retryAttempts: 5,
    connectionParams: () => authHeaders(token),
    on: {
      closed: (event) => {
        const close = event as CloseEvent;
        if (close.code >= 4400 && close.code < 4500) onSocketError(`Live updates stopped: ${close.reason || `close code ${close.code}`}`);
      },
    },
  });
  const client = new Client({
    url: '/graphql',
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({ headers: authHeaders(token) }),
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return { client, ws };
}
