/**
 * Splits a journal or snapshot file into its records, telling a torn tail (a write cut short by a crash: drop it)
 * from damage in the middle (refuse to start).
 *
 * Rule: the first bad record starts a torn tail when no valid record can be found anywhere after it. Acknowledged
 * writes are fsynced before the next batch starts, so a crash can only damage the last batch; a valid record after
 * a bad one therefore means the bad one was once acknowledged, and dropping it would lose data.
 */
import { checkRecord, MAX_BODY_BYTES, MIN_BODY_BYTES, RECORD_HEADER_BYTES } from './record-format';
import { JournalCorruptError } from './errors';

export interface ScannedRecords {
  /** Each record's BSON body (views into the scanned buffer). */
  readonly bodies: Buffer[];
  /** Bytes from the start of the file up to the end of the last good record. */
  readonly goodBytes: number;
  /** Present when the file ends with a torn record: where it starts and what is wrong with it. */
  readonly tornTail: { readonly offset: number; readonly reason: string } | null;
}

export function scanRecords(buf: Buffer, file: string): ScannedRecords {
  const bodies: Buffer[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const check = checkRecord(buf, offset);
    if (check.kind === 'ok') {
      bodies.push(buf.subarray(check.bodyStart, check.end));
      offset = check.end;
      continue;
    }
    const next = findValidRecordAfter(buf, offset + 1);
    if (next !== null) {
      throw new JournalCorruptError(file, offset, `${check.reason}, yet a valid record follows at offset ${next}`);
    }
    return { bodies, goodBytes: offset, tornTail: { offset, reason: check.reason } };
  }
  return { bodies, goodBytes: offset, tornTail: null };
}

// Private: byte-wise resynchronisation; the cheap length and BSON-prefix tests reject almost every false start
// before a checksum is computed, and this only runs on a file that already has a bad record.
function findValidRecordAfter(buf: Buffer, from: number): number | null {
  for (let at = from; at + RECORD_HEADER_BYTES + MIN_BODY_BYTES <= buf.length; at++) {
    const length = buf.readUInt32LE(at);
    if (length < MIN_BODY_BYTES || length > MAX_BODY_BYTES) continue;
    if (at + RECORD_HEADER_BYTES + length > buf.length) continue;
    if (buf.readInt32LE(at + RECORD_HEADER_BYTES) !== length) continue;
    if (buf[at + RECORD_HEADER_BYTES + length - 1] !== 0) continue;
    if (checkRecord(buf, at).kind === 'ok') return at;
  }
  return null;
}
