/**
 * A 5,000-span trace in the Trace view: every span reaches the page, the waterfall draws (only the rows on
 * screen), and the time from the subscription's first batch to the painted waterfall is measured and printed
 * (the README reports it). The bound asserted is generous on purpose: the machine is shared.
 */
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { toIsoMicros } from '../../src/demo';
import type { SpanInput } from '../../src/generated/graphql';
import type { TestGateway } from '../helpers/gateway';
import { launchBrowser, openPage, screenshot, startUiGateway, submit } from './browser';

jest.setTimeout(90_000);

const SPANS = 5_000;
const SERVICES = ['edge-gateway', 'order', 'inventory', 'payment', 'fraud-check', 'bank-adapter', 'shipping', 'notification'];

let gw: TestGateway;
let browser: Browser;

beforeAll(async () => {
  [gw, browser] = await Promise.all([startUiGateway(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

/** A 4-ary tree of `count` spans: span i's parent is span (i-1)/4; each child inside its parent's time. */
function bigTrace(count: number): SpanInput[] {
  const traceId = randomBytes(16).toString('hex');
  const ids = Array.from({ length: count }, () => randomBytes(8).toString('hex'));
  const start = Math.round((Date.now() - 60_000) * 1000);
  const spans: SpanInput[] = [];
  const window: { from: number; to: number }[] = [];
  for (let i = 0; i < count; i++) {
    const parent = i === 0 ? undefined : Math.floor((i - 1) / 4);
    const slot = i === 0 ? 0 : (i - 1) % 4;
    const outer = parent === undefined ? { from: start, to: start + 2_000_000 } : window[parent]!;
    const quarter = (outer.to - outer.from) / 4;
    const from = Math.round(outer.from + slot * quarter + 1);
    const to = Math.max(from + 1, Math.round(from + quarter * 0.9));
    window.push({ from, to });
    spans.push({
      traceId,
      spanId: ids[i]!,
      ...(parent === undefined ? {} : { parentSpanId: ids[parent]! }),
      service: SERVICES[i % SERVICES.length]!,
      operation: `op-${i % 37}`,
      kind: 'INTERNAL',
      startTime: toIsoMicros(from),
      endTime: toIsoMicros(to),
      status: i % 97 === 0 && i > 0 ? 'ERROR' : 'OK',
    });
  }
  return spans;
}

it(`renders a ${SPANS}-span trace, measured`, async () => {
  const spans = bigTrace(SPANS);
  await submit(gw, spans);
  const { page, problems, close } = await openPage(browser, gw.origin);
  const opened = Date.now();
  await page.goto(`/trace/${spans[0]!.traceId}`);
  await page.getByTestId('span-count').getByText(`${SPANS} spans`).waitFor({ timeout: 60_000 });
  await page.getByRole('treeitem').first().waitFor();
  const pageMs = Date.now() - opened;
  let renderMs: number | undefined;
  for (let i = 0; i < 100 && renderMs === undefined; i++) {
    renderMs = await page.evaluate(() => (globalThis as any).performance.getEntriesByName('tracegate:trace-render')[0]?.duration as number | undefined);
    if (renderMs === undefined) await page.waitForTimeout(20);
  }
  // Every span is in the tree: End goes to the last row of the depth-first order (the
  // latest-starting child at every level, down to a leaf).
  await page.getByRole('treeitem').first().focus();
  await page.keyboard.press('End');
  let last = 0;
  while (4 * last + 4 < SPANS) last = 4 * last + 4; // the latest-starting child, down to a leaf
  const lastSpan = spans[last]!.spanId;
  await page.waitForFunction((id) => (globalThis as any).document.activeElement?.getAttribute('data-span-id') === id, lastSpan, { timeout: 10_000 });
  expect(await page.getByRole('treeitem').count()).toBeLessThan(200); // virtualised: only rows near the screen exist
  await screenshot(page, 'trace-5000');
  console.log(`${SPANS}-span trace: waterfall painted ${renderMs?.toFixed(0)} ms after the subscription's first batch; page open to all spans shown ${pageMs} ms`);
  expect(renderMs).toBeDefined();
  expect(renderMs!).toBeLessThan(10_000);
  expect(problems).toEqual([]);
  await close();
});
