/**
 * The web UI under test: a real gateway (every production extension) on an ephemeral port, fed by the demo
 * generator, and Debian's Chromium driven by playwright-core (nothing downloaded: `/usr/bin/chromium`, or
 * CHROMIUM_PATH). Pages record console errors, uncaught exceptions and any request to another origin.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../../src/config';
import { TrafficGenerator, SUBMIT_SPANS_MUTATION } from '../../src/demo';
import type { SpanInput } from '../../src/generated/graphql';
import { defaultUiDir } from '../../src/server/routes';
import { gatewayExtensions } from '../../src/server/extension-list';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const VIEWPORT = { width: 1440, height: 900 };

/** Screenshots go to docs/images with TRACEGATE_SCREENSHOTS=1 (`npm run screenshots`), else to a temp folder. */
export const SCREENSHOT_DIR = process.env.TRACEGATE_SCREENSHOTS === '1' ? join(__dirname, '..', '..', 'docs', 'images') : join(tmpdir(), 'tracegate-ui-screenshots');

export function requireBuiltUi(): void {
  if (!existsSync(join(defaultUiDir(), 'index.html'))) {
    throw new Error(`the web UI is not built (expected ${defaultUiDir()}/index.html): run \`npm run build:ui\` (npm test does it first)`);
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (\`apt-get install -y chromium\`, .ci/run does) or set CHROMIUM_PATH`);
  }
}

export async function launchBrowser(): Promise<Browser> {
  requireBuiltUi();
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Every production extension, except listeners on fixed ports (OTLP/gRPC): the UI does not use them. */
export async function startUiGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  const settings = { TRACEGATE_OTLP_GRPC_PORT: '0', ...env };
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', ...settings }, []);
  return startTestGateway({ env: settings, extensions: gatewayExtensions(config) });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors, uncaught exceptions and requests to other origins seen so far. */
  problems: string[];
  close(): Promise<void>;
}

export async function openPage(browser: Browser, origin: string): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, baseURL: origin });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith(origin.replace(/^http/, 'ws')) && !/^(data|blob):/.test(url)) problems.push(`request to another origin: ${url}`);
  });
  return { page, context, problems, close: () => context.close() };
}

/** The gateway and Chromium of a test file, and the pages its tests open (all closed after the file). */
export interface UiSession {
  /** Set by the file's beforeAll. */
  readonly gw: TestGateway;
  readonly browser: Browser;
  /** A watched page opened at `path` (relative to the gateway's origin); closed after the file's tests. */
  open(path?: string): Promise<WatchedPage>;
}

/**
 * Registers the file's beforeAll/afterAll (call it at the top level of a test file): a UI gateway (`env` as
 * for `startUiGateway`) and a browser, started side by side; after the tests, the pages, the browser and the gateway
 * are closed.
 */
export function uiSession(env: Record<string, string> = {}): UiSession {
  const opened: WatchedPage[] = [];
  let gw: TestGateway | undefined;
  let browser: Browser | undefined;
  const started = <T,>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`uiSession: the ${what} is not started yet (use it inside a test or a later hook)`);
    return value;
  };
  beforeAll(async () => {
    [gw, browser] = await Promise.all([startUiGateway(env), launchBrowser()]);
  });
  afterAll(async () => {
    await Promise.all(opened.map((p) => p.close()));
    await browser?.close();
    await gw?.stop();
  });
  return {
    get gw() {
      return started(gw, 'gateway');
    },
    get browser() {
      return started(browser, 'browser');
    },
    async open(path?: string) {
      const watched = await openPage(started(browser, 'browser'), started(gw, 'gateway').origin);
      opened.push(watched);
      if (path !== undefined) await watched.page.goto(path);
      return watched;
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

/** Demo call chains starting `agoMs` before now (so they sort as recent), submitted through the public mutation. */
export async function feedDemo(gw: TestGateway, traces: number, options: { seed?: string; agoMs?: number; headers?: Record<string, string> } = {}): Promise<SpanInput[][]> {
  const gen = new TrafficGenerator({ seed: options.seed ?? 'ui-tests', startTimeMs: Date.now() - (options.agoMs ?? 60_000), meanGapMs: 20 });
  const chains: SpanInput[][] = [];
  for (let i = 0; i < traces; i++) chains.push(gen.nextTrace().spans);
  await submit(gw, chains.flat(), options.headers);
  return chains;
}

export async function submit(gw: TestGateway, spans: SpanInput[], headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < spans.length; i += 2000) {
    const res = await gw.gql<{ submitSpans: { accepted: number; duplicates: number; rejected: { message: string }[] } }>(SUBMIT_SPANS_MUTATION, { spans: spans.slice(i, i + 2000) }, headers);
    if (res.errors || !res.data || res.data.submitSpans.rejected.length > 0) {
      throw new Error(`submitSpans failed: ${JSON.stringify(res.errors ?? res.data?.submitSpans.rejected.slice(0, 3))}`);
    }
  }
}

/** axe-core's colour-contrast rule (WCAG 2 AA) run in the page; returns the violations as text. */
export async function contrastViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's content security policy does not govern.
  if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const result = await page.evaluate(`axe.run(document, { runOnly: { type: 'rule', values: ['color-contrast'] } })`);
  const violations = (result as { violations: { nodes: { html: string; failureSummary: string }[] }[] }).violations;
  return violations.flatMap((v) => v.nodes.map((n) => `${n.html}: ${n.failureSummary}`));
}
