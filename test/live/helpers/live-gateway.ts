/** A real gateway with the live extension on an ephemeral loopback port, over the test store. */
import { liveExtension, type LiveExtension, type LiveOptions } from '../../../src/server';
import { startTestGateway, type TestGateway } from '../../helpers/gateway';
import type { TestMongo } from '../../helpers/mongo';
import { SUBMIT, type SpanInput } from './spans';

export interface LiveGateway extends TestGateway {
  live: LiveExtension;
  submit(spans: SpanInput[]): Promise<{ accepted: number; duplicates: number; rejected: unknown[] }>;
}

export async function startLiveGateway(options: { live?: LiveOptions; mongo?: TestMongo; env?: Record<string, string> } = {}): Promise<LiveGateway> {
  const live = liveExtension(options.live);
  const gw = await startTestGateway({ extensions: [live], ...(options.mongo ? { mongo: options.mongo } : {}), ...(options.env ? { env: options.env } : {}) });
  const submit = async (spans: SpanInput[]) => {
    const res = await gw.gql<{ submitSpans: { accepted: number; duplicates: number; rejected: unknown[] } }>(SUBMIT, { spans });
    if (!res.data?.submitSpans) throw new Error(`submitSpans failed: ${res.status} ${res.text.slice(0, 500)}`);
    return res.data.submitSpans;
  };
  return Object.assign(gw, { live, submit });
}
