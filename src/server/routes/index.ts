export { graphqlRoutes, GRAPHQL_PATH } from './graphql';
export { healthRoutes } from './health';
export { uiRoutes, defaultUiDir } from './ui';
