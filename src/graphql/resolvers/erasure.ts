/**
 * `deleteTraces`: erasure on request. Needs a principal with the `admin` scope (the auth plugin has checked it
 * for the operation; checked again here, and refused when authentication is off). The erasure logs who asked,
 * the filter's shape (field names and attribute keys, never values) and the counts.
 */
import { ErrorCode, TracegateError } from '../../errors';
import type { MutationResolvers, TraceFilter } from '../../generated/graphql';
import { badInput, traceQuery } from '../arguments';

const ADMIN_SCOPE = 'admin';

export const deleteTraces: MutationResolvers['deleteTraces'] = async (_root, { filter, dryRun }, ctx) => {
  const principal = ctx.principal;
  if (!principal) {
    throw new TracegateError(ErrorCode.FORBIDDEN, 'deleteTraces: expected a token with the admin scope, received a request on a gateway with authentication off (configure TRACEGATE_TOKENS with an admin token).');
  }
  if (!principal.scopes.has(ADMIN_SCOPE)) {
    throw new TracegateError(ErrorCode.FORBIDDEN, `deleteTraces: expected a token with the admin scope, received "${principal.name}" with ${[...principal.scopes].join('+')}.`);
  }
  const query = traceQuery(filter, ctx.ingest.redactor);
  if (Object.keys(query).length === 0) throw badInput('deleteTraces(filter): expected at least one criterion, received an empty filter (expiry of everything is what TRACEGATE_RETENTION is for)');
  const dry = dryRun ?? true;
  return ctx.ingest.erasure.eraseTraces(query, dry, { who: principal.name, requestId: ctx.requestId, filter: filterShape(filter) });
};

// Private: which criteria were given, and attribute keys; no value of any of them.
function filterShape(filter: TraceFilter): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(filter)) {
    if (value === null || value === undefined) continue;
    if ((name === 'attributes' || name === 'hashedAttributes') && Array.isArray(value)) parts.push(`${name}[${value.map((a: { key: string }) => a.key).join(',')}]`);
    else parts.push(name);
  }
  return parts.join(' ');
}
