/**
 * The web UI (built by `npm run build` from `ui/` into `dist/ui`): its pages at `/`, `/live`, `/search`,
 * `/trace/<id>`, `/map`, `/service/<name>` (one HTML shell, the browser code picks the view) and `/graphiql`,
 * its hashed files under `/assets/`. Every page is public: the browser code asks for a token itself when the API
 * wants one. Every HTML response carries a content security policy allowing this origin only (scripts, styles,
 * fonts, workers, and the API over HTTP and WebSocket). With NODE_ENV=production hashed assets are cached for a
 * year (`immutable`); otherwise every response is revalidated, so a rebuilt UI shows at once.
 *
 * The listing of built files is read at start (and again on a miss outside production, so a rebuild shows
 * without a restart). Without a built UI, `/` still answers with the plain landing page (landing.ts) saying how to build it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route, RouteContext } from '../router';
import { landingHtml } from './landing';

/** Exact paths, and prefixes (ending in `/`) whose every longer path is a page too. */
export const UI_PAGE_PATHS = ['/', '/live', '/search', '/map', '/trace/', '/service/'] as const;
export const GRAPHIQL_PATH = '/graphiql';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.ttf', '.map']);

export interface UiRouteOptions {
  production: boolean;
  /** The Vite output directory (default: `dist/ui` of this package). */
  dir?: string;
}

export function uiRoutes(options: UiRouteOptions): Route[] {
  const files = new StaticFiles(options.dir ?? defaultUiDir(), options.production);
  const page = (file: string) => async (_req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => {
    if (!files.has(`/${file}`)) {
      sendHtml(res, ctx, landingHtml(ctx.url.host, 'The web UI is not built: run `npm run build`, then reload.'));
      return;
    }
    await files.send(`/${file}`, _req, res, securityHeaders(ctx));
  };
  const routes: Route[] = UI_PAGE_PATHS.map((path) => ({ method: 'GET', path, public: true, prefix: path.length > 1 && path.endsWith('/'), handle: page('index.html') }));
  routes.push({ method: 'GET', path: GRAPHIQL_PATH, public: true, handle: page('graphiql.html') });
  routes.push({
    method: 'GET',
    path: '/assets/',
    public: true,
    prefix: true,
    async handle(req, res, ctx) {
      if (!files.has(ctx.url.pathname)) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`${ctx.url.pathname}: no such UI asset (is the UI built? \`npm run build\`)`);
        return;
      }
      await files.send(ctx.url.pathname, req, res, { 'x-content-type-options': 'nosniff' });
    },
  });
  return routes;
}

/** `dist/ui` under the directory of the nearest package.json above this module (source or compiled). */
export function defaultUiDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return join(process.cwd(), 'dist', 'ui');
    dir = parent;
  }
  return join(dir, 'dist', 'ui');
}

/**
 * Same origin only; `'unsafe-inline'` styles because the chart, graph and editor libraries set element styles
 * and the editor injects style elements. `ws:`/`wss:` to this host because `'self'` does not cover WebSocket
 * URLs in every browser.
 */
export function contentSecurityPolicy(host: string): string {
  const safeHost = /^[A-Za-z0-9.\-:[\]]+$/.test(host) ? host : 'localhost';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ws://${safeHost} wss://${safeHost}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

// Private: headers of every UI page.
function securityHeaders(ctx: RouteContext): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(ctx.url.host),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
  };
}

function sendHtml(res: ServerResponse, ctx: RouteContext, html: string): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', ...securityHeaders(ctx) });
  res.end(html);
}

interface CachedFile {
  mtimeMs: number;
  size: number;
  body: Buffer;
  gzipped: Buffer | undefined;
}

// Private: the files of the built UI by URL path; only listed files are ever read (no path from the URL reaches
// the file system). Bodies and their gzip are kept in memory, keyed by size and modification time.
class StaticFiles {
  private listing = new Map<string, string>();
  private readonly cache = new Map<string, CachedFile>();

  constructor(
    private readonly dir: string,
    private readonly production: boolean,
  ) {
    this.rescan();
  }

  has(urlPath: string): boolean {
    if (this.listing.has(urlPath) || this.production) return this.listing.has(urlPath);
    this.rescan();
    return this.listing.has(urlPath);
  }

  async send(urlPath: string, req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): Promise<void> {
    const file = this.listing.get(urlPath);
    if (!file) throw new Error(`${urlPath} is not a UI file`);
    const cached = await this.load(file);
    const ext = extensionOf(file);
    const hashed = urlPath.startsWith('/assets/');
    const cacheControl = this.production && hashed ? 'public, max-age=31536000, immutable' : 'no-cache';
    const etag = `"${cached.size.toString(16)}-${Math.floor(cached.mtimeMs).toString(16)}"`;
    const common = { ...headers, 'cache-control': cacheControl, etag, vary: 'accept-encoding' };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, common);
      res.end();
      return;
    }
    const gzip = cached.gzipped !== undefined && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? cached.gzipped! : cached.body;
    res.writeHead(200, {
      ...common,
      'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      'content-length': String(body.length),
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(body);
  }

  private async load(file: string): Promise<CachedFile> {
    const stat = statSync(file);
    const hit = this.cache.get(file);
    if (hit && hit.mtimeMs === stat.mtimeMs && hit.size === stat.size) return hit;
    const body = await readFile(file);
    const entry: CachedFile = {
      mtimeMs: stat.mtimeMs,
      size: stat.size,
      body,
      gzipped: COMPRESSIBLE.has(extensionOf(file)) && body.length > 1024 ? gzipSync(body) : undefined,
    };
    this.cache.set(file, entry);
    return entry;
  }

  private rescan(): void {
    const listing = new Map<string, string>();
    const walk = (dir: string): void => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const name of names) {
        const full = join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else listing.set(`/${relative(this.dir, full).split(sep).join('/')}`, full);
      }
    };
    walk(this.dir);
    this.listing = listing;
  }
}

function extensionOf(file: string): string {
  const dot = file.lastIndexOf('.');
  return dot < 0 ? '' : file.slice(dot).toLowerCase();
}
