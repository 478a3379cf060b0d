/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every journal and snapshot record.
 * Chosen over CRC-32 for its better error detection on storage (the polynomial iSCSI, ext4 and LevelDB use);
 * computed here so the format does not depend on the Node version (zlib.crc32 is CRC-32 and only on >= 20.15).
 */
const POLYNOMIAL = 0x82f63b78;

const TABLE: Uint32Array = buildTable();

export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// Private: the byte-at-a-time lookup table for POLYNOMIAL.
function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLYNOMIAL ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}
