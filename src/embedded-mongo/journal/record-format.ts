/**
 * The on-disk record shared by journal and snapshot files:
 *
 *   offset 0  uint32 LE  body length in bytes (a BSON document, so it also starts with its own int32 length)
 *   offset 4  uint32 LE  CRC-32C of the body
 *   offset 8  body       one BSON document
 *
 * A record is valid when its header is complete, its length is within [MIN_BODY_BYTES, MAX_BODY_BYTES], the body
 * is complete, the checksum matches and the BSON length prefix agrees with the header.
 */
import { crc32c } from '../crc32c';

export const RECORD_HEADER_BYTES = 8;
/** The smallest BSON document (`{}`) is 5 bytes. */
export const MIN_BODY_BYTES = 5;
/** MongoDB's 16 MiB document limit plus room for the record's own envelope fields. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024 + 64 * 1024;

export function frameRecord(body: Uint8Array): Buffer {
  if (body.length < MIN_BODY_BYTES || body.length > MAX_BODY_BYTES) {
    throw new RangeError(`journal record body must be ${MIN_BODY_BYTES}..${MAX_BODY_BYTES} bytes, got ${body.length}`);
  }
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + body.length);
  out.writeUInt32LE(body.length, 0);
  out.writeUInt32LE(crc32c(body), 4);
  out.set(body, RECORD_HEADER_BYTES);
  return out;
}

export type RecordCheck =
  | { readonly kind: 'ok'; readonly bodyStart: number; readonly end: number }
  /** Fewer bytes remain than the record needs: a write cut short. */
  | { readonly kind: 'incomplete'; readonly reason: string }
  /** The bytes are all there but wrong. */
  | { readonly kind: 'invalid'; readonly reason: string; readonly end: number | null };

/** Checks the record starting at `offset` of `buf` (which holds the file's bytes up to `buf.length`). */
export function checkRecord(buf: Uint8Array, offset: number): RecordCheck {
  const available = buf.length - offset;
  if (available < RECORD_HEADER_BYTES) return { kind: 'incomplete', reason: `${available} of ${RECORD_HEADER_BYTES} header bytes` };
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const length = view.readUInt32LE(offset);
  if (length < MIN_BODY_BYTES || length > MAX_BODY_BYTES) {
    return { kind: 'invalid', reason: `record length ${length} outside ${MIN_BODY_BYTES}..${MAX_BODY_BYTES}`, end: null };
  }
  const bodyStart = offset + RECORD_HEADER_BYTES;
  const end = bodyStart + length;
  if (end > buf.length) return { kind: 'incomplete', reason: `record needs ${length} body bytes, ${buf.length - bodyStart} present` };
  const expected = view.readUInt32LE(offset + 4);
  const actual = crc32c(buf, bodyStart, end);
  if (expected !== actual) return { kind: 'invalid', reason: `checksum 0x${hex(actual)} != recorded 0x${hex(expected)}`, end };
  if (view.readInt32LE(bodyStart) !== length) return { kind: 'invalid', reason: 'BSON length prefix disagrees with record length', end };
  return { kind: 'ok', bodyStart, end };
}

// Private: fixed-width hex for log lines and error messages.
function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
