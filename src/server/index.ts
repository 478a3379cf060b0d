/** The HTTP server: start/stop, the route table and the extension points other features use. */
export { startGateway, type Gateway, type GatewayDeps } from './gateway';
export { Router, type Route, type RouteContext, type RouteMatch, type GatewayServices, type HttpMethod } from './router';
export type { GatewayExtension, AttachContext } from './extensions';
export { analyticsExtension, type AnalyticsExtension, type AnalyticsExtensionOptions } from './analytics-extension';
export { liveExtension, type LiveOptions, type LiveExtension, type LiveStats } from './live-extension';
export { gatewayExtensions } from './extension-list';
