export { graphqlRoutes, GRAPHQL_PATH } from './graphql';
export { healthRoutes } from './health';
export { landingHtml } from './landing';
export { uiRoutes, contentSecurityPolicy, defaultUiDir, GRAPHIQL_PATH } from './ui';
