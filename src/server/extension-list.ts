/**
 * The features wired into the production gateway (main.ts). Each feature contributes one GatewayExtension;
 * add yours to this list. Tests may start a gateway with any subset.
 */
import type { Config } from '../config';
import { standardIngestExtension } from '../ingest/standard';
import { liveExtension } from '../live';
import { analyticsExtension } from './analytics-extension';
import type { GatewayExtension } from './extensions';

export function gatewayExtensions(_config: Config): GatewayExtension[] {
  const live = liveExtension();
  return [standardIngestExtension(), live, analyticsExtension({ live })];
}
