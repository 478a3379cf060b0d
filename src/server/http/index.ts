export { readBody } from './body';
export { sendJson, sendError, STATUS_BY_CODE } from './respond';
export { requestIdOf, runInRequestScope, currentRequestId } from './request-scope';
