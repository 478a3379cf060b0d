/**
 * The span panel shows a span's links (to a stored span of another trace, opening that trace) and how many values
 * redaction replaced; Search passes `hashedAttributes` and shows the gateway's refusal when no redaction key is set.
 */
import { TrafficGenerator } from '../../src/demo';
import { submit, uiSession } from './browser';

jest.setTimeout(60_000);

const ui = uiSession();

it('lists a span link and opens the linked trace', async () => {
  const gen = new TrafficGenerator({ seed: 'panel-links', startTimeMs: Date.now() - 30_000 });
  const producer = gen.nextTrace().spans;
  const consumer = gen.nextTrace().spans;
  const target = producer[producer.length - 1]!;
  consumer[0] = { ...consumer[0]!, links: [{ traceId: target.traceId, spanId: target.spanId, attributes: [{ key: 'link.kind', value: 'follows' }] }] };
  await submit(ui.gw, [...producer, ...consumer]);

  const watched = await ui.open();
  const { page, problems } = watched;
  await page.goto(`/trace/${consumer[0]!.traceId}`);
  await page.locator(`[role=treeitem][data-span-id="${consumer[0]!.spanId}"]`).click();
  const panel = page.getByTestId('span-panel');
  await panel.getByRole('heading', { name: 'Links' }).waitFor();
  expect(await panel.locator('.links').textContent()).toContain(`${target.service} · ${target.operation}`);
  expect(await panel.locator('.links').textContent()).toContain('follows');
  await panel.locator('.links a').click();
  await page.waitForURL(`**/trace/${target.traceId}`);
  await page.locator(`[role=treeitem][data-span-id="${target.spanId}"]`).waitFor();
  expect(problems).toEqual([]);
});

it('Search sends hashedAttributes from the URL and shows the gateway refusing it without a redaction key', async () => {
  const watched = await ui.open();
  const { page } = watched;
  await page.goto(`/search?hattr=${encodeURIComponent('customer.email=a@example.com')}`);
  expect(await page.locator('textarea[name=hashedAttrs]').inputValue()).toBe('customer.email=a@example.com');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  expect(await alert.textContent()).toMatch(/TRACEGATE_REDACTION_KEY/);
});
