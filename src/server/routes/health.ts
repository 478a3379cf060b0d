/**
 * /healthz: the process answers (never touches the store). /readyz: the store answers and its indexes
 * exist; 503 with STORE_UNAVAILABLE otherwise, within the store timeout.
 */
import { ErrorCode, TracegateError } from '../../errors';
import { sendJson } from '../../http';
import type { Route } from '../router';

export const healthRoutes: Route[] = [
  {
    method: 'GET',
    path: '/healthz',
    public: true,
    async handle(_req, res) {
      sendJson(res, 200, { status: 'ok' });
    },
  },
  {
    method: 'GET',
    path: '/readyz',
    public: true,
    async handle(_req, res, ctx) {
      try {
        await ctx.services.store.ping();
        sendJson(res, 200, { status: 'ready' });
      } catch (error) {
        if (!(error instanceof TracegateError) || error.code !== ErrorCode.STORE_UNAVAILABLE) throw error;
        sendJson(res, 503, { status: 'unavailable', code: ErrorCode.STORE_UNAVAILABLE, requestId: ctx.requestId }, { 'retry-after': '1' });
      }
    },
  },
];
