/**
 * Documents per reply for key lookups: one reply carries a whole DataLoader batch (up to 16 MiB), so a
 * nested query's command count does not grow with the number of spans it returns (the driver's default
 * first batch of 101 documents would add a getMore per 101).
 */
export const LOOKUP_BATCH_SIZE = 10_000;

/** MongoDB's duplicate-key error code. */
export const DUPLICATE_KEY = 11000;
