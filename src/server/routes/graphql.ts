/**
 * POST and GET /graphql through Apollo's transport-neutral `executeHTTPGraphQLRequest`; a browser's GET (Accept
 * text/html) is redirected to the self-hosted GraphiQL page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { ErrorCode } from '../../errors';
import { createContext, type GraphQLContext } from '../../graphql';
import { readBody, sendError } from '../../http';
import type { PreparedQueries } from '../prepared-queries';
import type { Route, RouteContext } from '../router';

export const GRAPHQL_PATH = '/graphql';
const GRAPHIQL_PATH = '/graphiql';

export function graphqlRoutes(
  apollo: ApolloServer<GraphQLContext>,
  contextFor: (ctx: RouteContext, req: IncomingMessage) => GraphQLContext = defaultContext,
  /** Repeated queries answered with Apollo's plugins but without its request machinery (prepared-queries.ts). */
  prepared?: PreparedQueries<GraphQLContext>,
): Route[] {
  const handle = async (req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> => {
    if (req.method === 'GET' && prefersHtml(req.headers.accept)) {
      // A person with a browser: the self-hosted GraphiQL, not Apollo's landing page (which loads from a CDN).
      res.writeHead(302, { location: GRAPHIQL_PATH, 'content-type': 'text/plain; charset=utf-8' });
      res.end(`A browser opening ${GRAPHQL_PATH} is sent to ${GRAPHIQL_PATH}; API clients send Accept: application/json.`);
      return;
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown;
    if (req.method === 'POST') {
      const read = await postBody(req, headers.get('content-type'), ctx.services.config.limits.maxBodyBytes);
      if (!read) {
        sendError(res, 400, ErrorCode.BAD_USER_INPUT, 'request body: expected JSON, received text that does not parse as JSON', ctx.requestId);
        return;
      }
      body = read.body;
    }
    // A target without `?` has an empty query string (URL's `search`), known without parsing it.
    const search = req.url?.includes('?') ? ctx.url.search : '';
    // One context per request, also when the prepared path leaves the request to Apollo.
    let context: GraphQLContext | undefined;
    const contextValue = (): GraphQLContext => (context ??= contextFor(ctx, req));
    if (prepared && req.method === 'POST' && body !== undefined && typeof body !== 'string') {
      const reply = await prepared.serve(apollo, { body, headers, search, accept: req.headers.accept, contextValue });
      if (reply) {
        for (const [name, value] of reply.headers) res.setHeader(name, value);
        res.statusCode = reply.status;
        res.end(res.statusCode >= 400 ? withRequestId(reply.body, ctx.requestId) : reply.body);
        return;
      }
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search, body },
      context: async () => contextValue(),
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(res.statusCode >= 400 ? withRequestId(response.body.string, ctx.requestId) : response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
  return [
    { method: 'POST', path: GRAPHQL_PATH, handle },
    // A browser's navigation is redirected before any token is asked for; the GraphiQL page asks for one itself.
    { method: 'GET', path: GRAPHQL_PATH, public: (req) => prefersHtml(req.headers.accept), handle },
  ];
}

/**
 * A POST body as Apollo takes it: parsed for application/json and its +json relatives; any other type goes to
 * Apollo as text and is refused there. Null: JSON that does not parse. A function of its own so that the body's
 * text is garbage once parsed: a local of `handle` (an async function) would be kept until its last `await`
 * returned, i.e. until the response is sent (~280 KB of text for a 500-span batch).
 */
async function postBody(req: IncomingMessage, contentType: string | undefined, maxBytes: number): Promise<{ body: unknown } | null> {
  // The request event comes while the request's first packet is being parsed: one microtask later a body that
  // came with its headers is in the stream's buffer, and readBody takes it from there (not waiting for its end).
  await Promise.resolve();
  const raw = (await readBody(req, req.headers, maxBytes, { contentEncoding: 'ignore' })).toString('utf8');
  if (!/\bjson\b/i.test(contentType ?? '')) return { body: raw };
  try {
    return { body: JSON.parse(raw) };
  } catch {
    return null;
  }
}

/** An Accept header that names text/html before (or without) any JSON type, as browsers send for navigation. */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const html = accept.indexOf('text/html');
  if (html < 0) return false;
  const json = accept.search(/application\/(graphql-response\+)?json/);
  return json < 0 || html < json;
}

/**
 * Apollo answers a malformed HTTP request (CSRF check, no query, wrong method) before its request pipeline, where no
 * plugin sees the request's context, so the masker could not name the request of those errors: the id is added
 * here. Such answers are always 4xx/5xx; every error of the pipeline already carries it.
 */
function withRequestId(text: string, requestId: string): string {
  let body: { errors?: unknown };
  try {
    body = JSON.parse(text) as { errors?: unknown };
  } catch {
    return text;
  }
  if (!Array.isArray(body.errors)) return text;
  let added = false;
  for (const error of body.errors as { extensions?: Record<string, unknown> }[]) {
    if (error.extensions?.requestId !== undefined) continue;
    error.extensions = { ...error.extensions, requestId };
    added = true;
  }
  return added ? JSON.stringify(body) : text;
}

function defaultContext(ctx: RouteContext): GraphQLContext {
  return createContext({ store: ctx.services.store, ingest: ctx.services.ingest, limits: ctx.services.config.limits }, ctx.requestId);
}
