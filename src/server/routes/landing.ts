/**
 * The plain landing page: what this is and where to go, usable without JavaScript. Served at `/` when the web
 * UI is not built (ui.ts); the built UI's own page carries the same links.
 */
export function landingHtml(host: string, note?: string): string {
  const endpoint = `http://${host}/graphql`;
  return [
    '<!doctype html><meta charset="utf-8"><title>Tracegate</title>',
    '<h1>Tracegate</h1><p>GraphQL gateway for distributed traces.</p>',
    note ? `<p><strong>${escapeHtml(note)}</strong></p>` : '',
    `<p>GraphQL endpoint: <code>${escapeHtml(endpoint)}</code> (POST, or GET for queries) · <a href="/graphiql">GraphiQL</a></p>`,
    '<p>Health: <a href="/healthz">/healthz</a> · Readiness: <a href="/readyz">/readyz</a></p>',
  ].join('\n');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
