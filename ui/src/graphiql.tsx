/**
 * GraphiQL, self-hosted: queries over HTTP, subscriptions over graphql-ws on this origin, with the read token the
 * monitoring pages keep for this tab (if any).
 */
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { authHeaders, storedToken } from './auth';
import './graphiql.css';

const token = storedToken();
const fetcher = createGraphiQLFetcher({
  url: `${location.origin}/graphql`,
  subscriptionUrl: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`,
  headers: authHeaders(token),
  wsConnectionParams: authHeaders(token),
});

const DEFAULT_QUERY = `# Tracegate GraphQL API. Try a query, or a subscription:
#   subscription { spansReceived { spans { traceId service { name } operation durationUs } } }
{
  traces(first: 5) {
    nodes { id status durationUs spanCount services { name } }
  }
}
`;

// `/graphiql?query=…` opens with that operation (a link can carry one).
const shared = new URLSearchParams(location.search).get('query');

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} {...(shared ? { initialQuery: shared } : {})} defaultEditorToolsVisibility={false}>
      <GraphiQL.Logo>
        <a href="/live">Tracegate</a>
      </GraphiQL.Logo>
    </GraphiQL>
  </StrictMode>,
);
