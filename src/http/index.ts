/**
 * node:http helpers with no gateway knowledge, for any layer that serves HTTP: reading a capped (and gzip)
 * body, the JSON error body, request ids. What a failure becomes is decided at the error edge
 * (src/error-edge.ts), not here.
 */
export { readBody, HttpBodyError, type BodyHeaders, type BodyReadDetails, type ReadBodyOptions } from './body';
export { sendJson, sendError, mediaTypeOf } from './respond';
export { newRequestId, requestIdOf } from './request-scope';
export type { HttpRoute, HttpRouteContext, HttpMethod, RouteFailure } from './route';
