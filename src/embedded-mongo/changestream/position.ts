/**
 * A position in the change history: after oplog entry `seq`, at event `step` of that entry. One entry yields one
 * event (step EVENT) and, for a drop seen by a collection stream, an invalidate after it (step INVALIDATE);
 * step END means "after everything entry `seq` produced" (the high-water mark of an empty batch).
 */
import type { Timestamp } from 'bson';

export const Step = { EVENT: 0, INVALIDATE: 1, END: 0xff } as const;
export type Step = (typeof Step)[keyof typeof Step];

export interface Position {
  readonly seq: number;
  readonly ts: Timestamp;
  readonly step: Step;
}

/** Negative when `a` comes before `b`. */
export function comparePositions(a: Pick<Position, 'seq' | 'step'>, b: Pick<Position, 'seq' | 'step'>): number {
  return a.seq !== b.seq ? a.seq - b.seq : a.step - b.step;
}
