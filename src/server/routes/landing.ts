/** `/`: what this is and where to go; in development, a link to Apollo Sandbox pointed at this endpoint. */
import type { Route } from '../router';

export function landingRoute(production: boolean): Route {
  return {
    method: 'GET',
    path: '/',
    public: true,
    async handle(_req, res, ctx) {
      const endpoint = `http://${ctx.url.host}/graphql`;
      const sandbox = `https://studio.apollographql.com/sandbox/explorer?endpoint=${encodeURIComponent(endpoint)}`;
      const html = [
        '<!doctype html><meta charset="utf-8"><title>Tracegate</title>',
        '<h1>Tracegate</h1><p>GraphQL gateway for distributed traces.</p>',
        `<p>GraphQL endpoint: <code>${escapeHtml(endpoint)}</code> (POST, or GET for queries)</p>`,
        production ? '' : `<p><a href="${escapeHtml(sandbox)}">Open in Apollo Sandbox</a></p>`,
        '<p>Health: <a href="/healthz">/healthz</a> · Readiness: <a href="/readyz">/readyz</a></p>',
      ].join('\n');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
