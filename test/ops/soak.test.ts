/**
 * The soak canary's short run in the suite: 15 s of steady ingest into a real gateway (change-stream live source
 * on the test store), then every acknowledged span read back by id, by search and through the subscription.
 */
import { liveExtension } from '../../src/server';
import { runSoak } from '../../src/soak/run';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ extensions: [liveExtension()] });
});
afterAll(async () => {
  await gw?.stop();
});

it('keeps every acknowledged span: by id, by search and live; samples the gateway RSS', async () => {
  const report = await runSoak({ url: gw.url, durationMs: 15_000, rate: 100, batch: 20, settleMs: 15_000 });
  expect(report).toMatchObject({ missingById: 0, missingBySearch: 0, missingLive: 0, duplicated: 0, ok: true });
  expect(report.acknowledged).toBeGreaterThanOrEqual(1000);
  expect(report.rss.length).toBeGreaterThanOrEqual(2);
  expect(report.rss.every(([, bytes]) => bytes > 0)).toBe(true);
  expect(report.p99IngestMs).toBeGreaterThan(0);
}, 90_000);
