/**
 * Splits a TCP byte stream into whole wire messages: packets may split a message or carry several.
 * Each message starts with its int32 little-endian total length (header included).
 */
import { MAX_MESSAGE_SIZE_BYTES, MESSAGE_HEADER_SIZE } from './constants';
import { ProtocolError } from './errors';

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxMessageSize: number = MAX_MESSAGE_SIZE_BYTES) {}

  /** Adds bytes; returns every message now complete. Throws ProtocolError for an impossible length. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const length = this.peekLength();
      if (length < MESSAGE_HEADER_SIZE || length > this.maxMessageSize) {
        throw new ProtocolError(
          `message length must be between ${MESSAGE_HEADER_SIZE} and ${this.maxMessageSize} bytes, got ${length}`,
        );
      }
      if (this.buffered < length) break;
      // One concatenation per complete message keeps large, many-packet messages linear.
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      frames.push(all.subarray(0, length));
      const rest = all.subarray(length);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
    return frames;
  }

  /** Bytes received that do not form a whole message yet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  // Private: the first four buffered bytes may straddle chunks.
  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32LE(0);
    return Buffer.concat(this.chunks, this.buffered).readInt32LE(0);
  }
}
