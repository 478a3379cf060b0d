/** Shared pieces of the standard-ingest integration tests: a gateway with the OTLP and Zipkin routes, and reads. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { standardIngestExtension } from '../../../src/ingest/standard';
import type { StandardIngestOptions } from '../../../src/ingest/http-edge';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../../helpers/gateway';

export function startIngestGateway(options: StandardIngestOptions = {}, gatewayOptions: TestGatewayOptions = {}): Promise<TestGateway> {
  return startTestGateway({ ...gatewayOptions, extensions: [standardIngestExtension(options), ...(gatewayOptions.extensions ?? [])] });
}

export const TRACE_QUERY = `query Trace($id: ID!) {
  trace(id: $id) {
    id spanCount errorCount status
    services { name }
    rootSpan { spanId }
    spans {
      traceId spanId parentSpanId operation kind startTime endTime durationUs status
      service { name }
      parent { spanId }
      result { status code message data }
      attributes { key value }
      events { time name attributes { key value } }
      links { traceId spanId traceState attributes { key value } span { spanId operation } }
    }
  }
}`;

export interface ReadSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  operation: string;
  kind: string;
  startTime: string;
  endTime: string;
  durationUs: number;
  status: string;
  service: { name: string };
  parent: { spanId: string } | null;
  result: { status: string; code: string | null; message: string | null; data: unknown } | null;
  attributes: { key: string; value: unknown }[];
  events: { time: string; name: string; attributes: { key: string; value: unknown }[] }[];
  links: { traceId: string; spanId: string; traceState: string | null; attributes: { key: string; value: unknown }[]; span: { spanId: string; operation: string } | null }[];
}

export interface ReadTrace {
  id: string;
  spanCount: number;
  errorCount: number;
  status: string;
  services: { name: string }[];
  rootSpan: { spanId: string } | null;
  spans: ReadSpan[];
}

export async function readTrace(gw: TestGateway, id: string, headers: Record<string, string> = {}): Promise<ReadTrace | null> {
  const res = await gw.gql<{ trace: ReadTrace | null }>(TRACE_QUERY, { id }, headers);
  if (res.errors) throw new Error(`trace query failed: ${JSON.stringify(res.errors)}`);
  return res.data?.trace ?? null;
}

export function attributeMap(attrs: { key: string; value: unknown }[]): Record<string, unknown> {
  return Object.fromEntries(attrs.map((a) => [a.key, a.value]));
}

/** `DateTime` output for epoch milliseconds plus extra microseconds: UTC, exactly 6 fraction digits. */
export function isoMicros(ms: number, extraMicros = 0): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, (_m, frac: string) => `.${frac}${String(extraMicros).padStart(3, '0')}Z`);
}

const run = promisify(execFile);
const CLIENT = join(__dirname, 'otel-client.js');

interface ClientRun {
  spans: { name: string; traceId: string; spanId: string }[];
  /** One per export call the SDK made: ExportResultCode (0 SUCCESS, 1 FAILED) and the error text. */
  exports: { code: number; error: string | null }[];
}

/**
 * Runs the instrumented client (see otel-client.js) against `url`; bounded by a timeout. `gzip` sets the
 * exporter's own OTEL_EXPORTER_OTLP_TRACES_COMPRESSION setting.
 */
export async function runOtelClient(url: string, encoding: 'json' | 'proto' | 'grpc', sec: number, token?: string, gzip = false): Promise<ClientRun> {
  const env = { ...process.env, OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: gzip ? 'gzip' : 'none' };
  const { stdout } = await run(process.execPath, [CLIENT, url, encoding, String(sec), ...(token ? [token] : [])], { timeout: 20_000, env });
  return JSON.parse(stdout) as ClientRun;
}

