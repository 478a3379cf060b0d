/** Every scenario of `npm run bench`, in the order they run. */
import type { Scenario } from '../harness/types';
import { p7Store } from './p7-store';

export const SCENARIOS: readonly Scenario[] = [p7Store];
