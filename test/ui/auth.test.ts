/**
 * With TRACEGATE_TOKENS set, the UI asks for a read token, says clearly when one is refused, keeps an accepted one
 * for the tab's session (sessionStorage: a reload keeps it, another tab asks again), and sends it on HTTP and in
 * graphql-ws `connection_init` (live spans arrive).
 */
import { TrafficGenerator } from '../../src/demo';
import { screenshot, submit, uiSession } from './browser';

jest.setTimeout(60_000);

const READ = 'ui-read-token-0123456789';
const INGEST = 'ui-ingest-token-0123456789';

const ui = uiSession({ TRACEGATE_TOKENS: `viewer:read:${READ},feeder:ingest:${INGEST}` });

it('asks for a token, refuses a wrong one with a clear message, and works with the right one over HTTP and WebSocket', async () => {
  const watched = await ui.open();
  const { page, problems } = watched;
  await page.goto('/search');
  await page.getByRole('heading', { name: 'Read token needed' }).waitFor();
  await screenshot(page, 'token');

  await page.getByLabel('Token', { exact: true }).fill('not-a-configured-token');
  await page.getByRole('button', { name: 'Use token' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  expect(await alert.textContent()).toContain('The gateway refused this token: Unknown or malformed token');

  await page.getByLabel('Token', { exact: true }).fill(INGEST);
  await page.getByRole('button', { name: 'Use token' }).click();
  await page.getByRole('alert').getByText('lacks scope "read"').waitFor();

  await page.getByLabel('Token', { exact: true }).fill(READ);
  await page.getByRole('button', { name: 'Use token' }).click();
  await page.getByRole('heading', { name: 'Search traces' }).waitFor();

  // Live over graphql-ws: the token went in connection_init, or no span would arrive.
  await page.getByRole('link', { name: 'Live', exact: true }).click();
  await page.getByText('Waiting for spans…').waitFor();
  let shown = false;
  for (let attempt = 0; attempt < 10 && !shown; attempt++) {
    const chain = new TrafficGenerator({ seed: `auth-${attempt}`, startTimeMs: Date.now() - 1000 }).nextTrace().spans;
    await submit(ui.gw, chain, { authorization: `Bearer ${INGEST}` });
    shown = await page
      .locator(`.live-row[data-trace-id="${chain[0]!.traceId}"]`)
      .waitFor({ timeout: 2_000 })
      .then(() => true, () => false);
  }
  expect(shown).toBe(true);

  // The tab keeps the token across a reload; another tab (its own session storage) asks again.
  await page.reload();
  await page.getByRole('heading', { name: 'Live spans' }).waitFor();
  const other = await ui.open();
  await other.page.goto('/live');
  await other.page.getByRole('heading', { name: 'Read token needed' }).waitFor();

  // The refused tokens answered 401/403 on the API: the browser logs those as failed resources, nothing else.
  expect(problems.filter((p) => !/Failed to load resource: the server responded with a status of 40[13]/.test(p))).toEqual([]);
});
