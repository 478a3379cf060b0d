/**
 * How the gateway serves the web UI: pages at every view path, hashed assets with cache headers by mode, a
 * content security policy allowing this origin only, the browser redirect from /graphql to GraphiQL, the landing
 * page without JavaScript, and the first view's JavaScript budget.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { defaultUiDir } from '../../src/server/routes';
import type { TestGateway } from '../helpers/gateway';
import { launchBrowser, requireBuiltUi, startUiGateway, VIEWPORT } from './browser';

jest.setTimeout(60_000);

const FIRST_VIEW_BUDGET_GZIP_BYTES = 400 * 1024;

let dev: TestGateway;
let prod: TestGateway;

beforeAll(async () => {
  requireBuiltUi();
  [dev, prod] = await Promise.all([startUiGateway(), startUiGateway({ NODE_ENV: 'production' })]);
});

afterAll(async () => {
  await Promise.all([dev?.stop(), prod?.stop()]);
});

function builtIndex(): string {
  return readFileSync(join(defaultUiDir(), 'index.html'), 'utf8');
}

/** The JS files index.html loads up front: its module script and its modulepreloads. */
function firstViewScripts(): string[] {
  const html = builtIndex();
  return [...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="([^"]+\.js)"/g)].map((m) => m[1]!);
}

describe('pages and assets', () => {
  it('every view path answers with the UI page, under a same-origin content security policy', async () => {
    for (const path of ['/', '/live', '/search?status=ERROR', '/trace/4bf92f3577b34da6a3ce929d0e0e4736', '/map', '/service/payment', '/graphiql']) {
      const res = await fetch(`${dev.origin}${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain(`connect-src 'self' ws://${new URL(dev.origin).host}`);
      expect(csp).not.toMatch(/https?:\/\//);
      const html = await res.text();
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
    const missing = await fetch(`${dev.origin}/assets/nothing-here.js`);
    expect(missing.status).toBe(404);
    expect((await fetch(`${dev.origin}/elsewhere`)).status).toBe(404);
  });

  it('hashed assets: revalidated in development, cached a year and immutable in production, gzip when asked', async () => {
    const script = firstViewScripts()[0]!;
    const devRes = await fetch(`${dev.origin}${script}`);
    expect(devRes.status).toBe(200);
    expect(devRes.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(devRes.headers.get('cache-control')).toBe('no-cache');
    const etag = devRes.headers.get('etag')!;
    expect((await fetch(`${dev.origin}${script}`, { headers: { 'if-none-match': etag } })).status).toBe(304);

    const prodRes = await fetch(`${prod.origin}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(prodRes.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(prodRes.headers.get('content-encoding')).toBe('gzip');
    expect(await prodRes.text()).toBe(readFileSync(join(defaultUiDir(), script), 'utf8'));
    const page = await fetch(`${prod.origin}/live`);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('a browser opening /graphql is redirected to /graphiql; API clients are not', async () => {
    const browserGet = await fetch(`${dev.url}`, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }, redirect: 'manual' });
    expect(browserGet.status).toBe(302);
    expect(browserGet.headers.get('location')).toBe('/graphiql');
    const apiGet = await fetch(`${dev.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' }, redirect: 'manual' });
    expect(apiGet.status).toBe(200);
    expect(await apiGet.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it(`the first view's JavaScript is under ${FIRST_VIEW_BUDGET_GZIP_BYTES / 1024} kB gzip'd`, () => {
    const scripts = firstViewScripts();
    expect(scripts.length).toBeGreaterThan(0);
    const bytes = scripts.reduce((sum, s) => sum + gzipSync(readFileSync(join(defaultUiDir(), s))).length, 0);
    console.log(`first view: ${scripts.length} JS files, ${(bytes / 1024).toFixed(1)} kB gzip'd`);
    expect(bytes).toBeLessThan(FIRST_VIEW_BUDGET_GZIP_BYTES);
  });
});

describe('without JavaScript', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the landing page still links health, readiness and the API', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: VIEWPORT });
    const page = await context.newPage();
    await page.goto(`${dev.origin}/`);
    await page.getByRole('link', { name: '/healthz' }).click();
    await page.waitForURL('**/healthz');
    expect(await page.textContent('body')).toContain('"status":"ok"');
    await page.goto(`${dev.origin}/`);
    expect(await page.getByText('/graphql').first().isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: '/readyz' }).getAttribute('href')).toBe('/readyz');
    await context.close();
  });
});
