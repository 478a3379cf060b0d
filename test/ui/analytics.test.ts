/**
 * The service map and the service view in Chromium, over the service-analytics API, against a gateway fed by the
 * demo generator: the map has the demo's services and call edges and a click on a node opens the service; the
 * service view shows its totals and operations, sorts them, links to slow and failed traces, and its current
 * bucket grows live as spans are submitted.
 */
import { TrafficGenerator } from '../../src/demo';
import type { SpanInput } from '../../src/generated/graphql';
import { contrastViolations, feedDemo, screenshot, submit, uiSession, type WatchedPage } from './browser';

jest.setTimeout(60_000);

const ui = uiSession();
const open = (path: string): Promise<WatchedPage> => ui.open(path);
let chains: SpanInput[][];

beforeAll(async () => {
  chains = await feedDemo(ui.gw, 60, { seed: 'ui-analytics' });
});

/** Services and caller->callee pairs (parent and child in different services) of the submitted chains. */
function expectedGraph(list: SpanInput[][]) {
  const services = new Set<string>();
  const edges = new Set<string>();
  for (const chain of list) {
    const byId = new Map(chain.map((s) => [s.spanId, s]));
    for (const s of chain) {
      services.add(s.service);
      const parent = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
      if (parent && parent.service !== s.service) edges.add(`${parent.service}->${s.service}`);
    }
  }
  return { services, edges };
}

it('the map has the demo services and edges, and clicking a node opens that service', async () => {
  const { page, problems } = await open('/map');
  const { services, edges } = expectedGraph(chains);
  await page.locator('table[aria-label="Services"] tbody tr').first().waitFor();
  const shownServices = await page.locator('table[aria-label="Services"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-service')));
  expect(new Set(shownServices)).toEqual(services);
  const shownEdges = await page.locator('table[aria-label="Calls between services"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-edge')));
  expect(new Set(shownEdges)).toEqual(edges);

  // The graph itself: Cytoscape holds the same nodes and edges; a click on a node's drawn position opens it.
  const canvas = page.locator('.map-canvas[data-ready=true]');
  await canvas.waitFor();
  const drawn = await canvas.evaluate((el: any) => ({ nodes: el._cyreg.cy.nodes().map((n: any) => n.id()), edges: el._cyreg.cy.edges().map((e: any) => e.id()) }));
  expect(new Set(drawn.nodes)).toEqual(services);
  expect(new Set(drawn.edges)).toEqual(edges);
  await screenshot(page, 'map');
  const target = 'payment';
  const at = await canvas.evaluate((el: any, id: string) => el._cyreg.cy.getElementById(id).renderedPosition(), target);
  const box = (await canvas.boundingBox())!;
  await page.mouse.click(box.x + at.x, box.y + at.y);
  await page.waitForURL(`**/service/${target}`);
  expect(problems).toEqual([]);
});

it('the service view shows totals and operations, sorts them, links to failed traces, and grows live', async () => {
  const service = 'payment';
  const { page, problems } = await open(`/service/${service}?window=15m`);
  const calls = chains.flat().filter((s) => s.service === service).length;
  await page.getByTestId('service-totals').getByText(`${calls} calls`).waitFor();
  const operations = new Set(chains.flat().filter((s) => s.service === service).map((s) => s.operation));
  const rows = page.locator('table.ops tbody tr');
  await rows.first().waitFor();
  expect(new Set(await rows.evaluateAll((r) => r.map((x) => x.getAttribute('data-operation'))))).toEqual(operations);

  // Sorted by calls: the first row has the most calls.
  await page.getByRole('button', { name: 'Calls' }).click();
  const counted = await rows.evaluateAll((r) => r.map((x) => Number(x.querySelector('td')!.textContent)));
  expect(counted).toEqual([...counted].sort((a, b) => b - a));
  expect(await page.locator('th[aria-sort=descending]').textContent()).toContain('Calls');
  await page.locator('.charts canvas').first().waitFor();
  await screenshot(page, 'service');

  // Live: the current bucket counts spans submitted while the page is open.
  const before = Number(await page.getByTestId('current-calls').textContent());
  let grew = false;
  for (let attempt = 0; attempt < 10 && !grew; attempt++) {
    const chain = new TrafficGenerator({ seed: `svc-live-${attempt}`, startTimeMs: Date.now() }).nextTrace().spans;
    await submit(ui.gw, chain);
    grew = await page
      .waitForFunction(([n]) => Number((globalThis as any).document.querySelector('[data-testid=current-calls]')?.textContent) > n, [before] as const, { timeout: 3_000 })
      .then(() => true, () => false);
  }
  expect(grew).toBe(true);

  // Failed traces of an operation with errors: the search opens filtered to it.
  const failedLink = page.getByRole('link', { name: /^failed/ }).first();
  if ((await failedLink.count()) > 0) {
    await failedLink.click();
    await page.waitForURL(/\/search\?service=payment&operation=.+&status=ERROR/);
    await page.locator('.result-link').first().waitFor();
    expect(await page.locator('.result-link .badge.error').count()).toBe(await page.locator('.result-link').count());
  }
  expect(problems).toEqual([]);
});

it('text contrast passes WCAG AA on the map and the service view', async () => {
  for (const path of ['/map', '/service/order']) {
    const { page } = await open(path);
    await page.locator('table tbody tr').first().waitFor();
    expect({ path, violations: await contrastViolations(page) }).toEqual({ path, violations: [] });
  }
});

it('the Trace view highlights the critical path that the API reports', async () => {
  const chain = chains.find((c) => c.some((s) => s.status === 'ERROR')) ?? chains[0]!;
  const traceId = chain[0]!.traceId;
  const api = await ui.gw.gql<{ trace: { criticalPath: { span: { spanId: string } }[] } }>('query($id: ID!) { trace(id: $id) { criticalPath { span { spanId } } } }', { id: traceId });
  const expected = new Set(api.data!.trace.criticalPath.map((s) => s.span.spanId));
  expect(expected.size).toBeGreaterThan(0);
  const { page, problems } = await open(`/trace/${traceId}`);
  await page.getByText(`on the critical path (${expected.size} span`).waitFor();
  const marked = await page.locator('[role=treeitem][data-critical=true]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-span-id')));
  expect(new Set(marked)).toEqual(expected);
  await screenshot(page, 'trace-critical');
  expect(problems).toEqual([]);
});
