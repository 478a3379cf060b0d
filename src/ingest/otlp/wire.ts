/**
 * The protobuf wire format (https://protobuf.dev/programming-guides/encoding/), just as much as the OTLP trace
 * messages need: a bounds-checked reader and a small writer. Every read checks the buffer end first, so a
 * truncated or lying body fails with a `ProtobufDecodeError` naming the byte offset, never with an out-of-range read.
 */

/** Wire types, encoding guide "Message Structure". 3 and 4 (groups) are deprecated and absent from proto3. */
export const WireType = {
  VARINT: 0,
  I64: 1,
  LEN: 2,
  SGROUP: 3,
  EGROUP: 4,
  I32: 5,
} as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

const WIRE_TYPE_NAMES: Record<number, string> = { 0: 'VARINT', 1: 'I64', 2: 'LEN', 3: 'SGROUP', 4: 'EGROUP', 5: 'I32' };

/** A varint is at most 10 bytes (64 bits in 7-bit groups). */
const MAX_VARINT_BYTES = 10;

export class ProtobufDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufDecodeError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class ProtoReader {
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
    // Shared by every reader over the same buffer: one DataView per request, not one per embedded message.
    private readonly view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength),
  ) {
    this.pos = start;
  }

  get offset(): number {
    return this.pos;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** The next field key; field number 0 is invalid per the encoding guide. */
  tag(): { field: number; wireType: number } {
    const at = this.pos;
    const key = this.varint32();
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    if (field === 0) throw new ProtobufDecodeError(`invalid field number 0 at byte ${at}`);
    return { field, wireType };
  }

  /** A varint as a 64-bit unsigned bigint (int64/uint64 fields; reinterpret with BigInt.asIntN for signed). */
  varint64(): bigint {
    const at = this.pos;
    let result = 0n;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const b = this.byte(at);
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    throw new ProtobufDecodeError(`varint at byte ${at} is longer than ${MAX_VARINT_BYTES} bytes`);
  }

  /**
   * A varint truncated to its low 32 bits, unsigned (keys, lengths, enums, bools, uint32). Negative int32 values are
   * sent as 10-byte varints; the high bytes only carry sign extension, so they are read and dropped.
   */
  varint32(): number {
    const at = this.pos;
    let result = 0;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const b = this.byte(at);
      if (i < 5) result += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) return result % 2 ** 32;
    }
    throw new ProtobufDecodeError(`varint at byte ${at} is longer than ${MAX_VARINT_BYTES} bytes`);
  }

  fixed64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  fixed32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** The payload of a LEN field, without copying. */
  bytes(): Uint8Array {
    const len = this.length();
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  string(): string {
    const at = this.pos;
    try {
      return utf8.decode(this.bytes());
    } catch (err) {
      if (err instanceof ProtobufDecodeError) throw err;
      throw new ProtobufDecodeError(`string at byte ${at} is not valid UTF-8`);
    }
  }

  /** A reader over an embedded message; this reader moves past it. */
  message(): ProtoReader {
    const len = this.length();
    const sub = new ProtoReader(this.buf, this.pos, this.pos + len, this.view);
    this.pos += len;
    return sub;
  }

  /** Skips a field this decoder does not know (proto3: unknown fields are ignored). */
  skip(wireType: number, field: number): void {
    switch (wireType) {
      case WireType.VARINT:
        this.varint64();
        return;
      case WireType.I64:
        this.need(8);
        this.pos += 8;
        return;
      case WireType.LEN: {
        // Read the length first: `this.pos += this.length()` would add it to the position before the prefix.
        const len = this.length();
        this.pos += len;
        return;
      }
      case WireType.I32:
        this.need(4);
        this.pos += 4;
        return;
      default:
        throw new ProtobufDecodeError(
          `field ${field} at byte ${this.pos} has wire type ${wireType} (${WIRE_TYPE_NAMES[wireType] ?? 'invalid'}), which proto3 never sends`,
        );
    }
  }

  /** Fails unless a known field came with the wire type its declaration implies. */
  expect(actual: number, expected: WireType, fieldName: string): void {
    if (actual !== expected) {
      throw new ProtobufDecodeError(
        `${fieldName} must have wire type ${expected} (${WIRE_TYPE_NAMES[expected]}), got ${actual} (${WIRE_TYPE_NAMES[actual] ?? 'invalid'}) before byte ${this.pos}`,
      );
    }
  }

  // Private: a length prefix, checked against what is left of this message.
  private length(): number {
    const at = this.pos;
    const len = this.varint32();
    const left = this.end - this.pos;
    if (len > left) throw new ProtobufDecodeError(`length ${len} at byte ${at} runs beyond the message (${left} bytes left)`);
    return len;
  }

  // Private: one byte of a varint that started at `start`.
  private byte(start: number): number {
    if (this.pos >= this.end) throw new ProtobufDecodeError(`truncated varint at byte ${start}`);
    return this.buf[this.pos++]!;
  }

  private need(n: number): void {
    if (this.end - this.pos < n) {
      throw new ProtobufDecodeError(`truncated ${n}-byte value at byte ${this.pos} (${this.end - this.pos} bytes left)`);
    }
  }
}

/** Builds a message front to back; nested messages are encoded first and written as LEN fields. */
export class ProtoWriter {
  private readonly chunks: number[] = [];

  varintField(field: number, value: bigint | number): this {
    this.key(field, WireType.VARINT);
    this.varint(BigInt.asUintN(64, BigInt(value)));
    return this;
  }

  stringField(field: number, value: string): this {
    return this.bytesField(field, Buffer.from(value, 'utf8'));
  }

  bytesField(field: number, value: Uint8Array): this {
    this.key(field, WireType.LEN);
    this.varint(BigInt(value.length));
    for (const b of value) this.chunks.push(b);
    return this;
  }

  fixed64Field(field: number, value: bigint): this {
    this.key(field, WireType.I64);
    let v = BigInt.asUintN(64, value);
    for (let i = 0; i < 8; i++) {
      this.chunks.push(Number(v & 0xffn));
      v >>= 8n;
    }
    return this;
  }

  doubleField(field: number, value: number): this {
    this.key(field, WireType.I64);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    for (const x of b) this.chunks.push(x);
    return this;
  }

  fixed32Field(field: number, value: number): this {
    this.key(field, WireType.I32);
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0);
    for (const x of b) this.chunks.push(x);
    return this;
  }

  messageField(field: number, message: ProtoWriter): this {
    return this.bytesField(field, message.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }

  private key(field: number, wireType: WireType): void {
    this.varint(BigInt(field * 8 + wireType));
  }

  private varint(v: bigint): void {
    while (v >= 0x80n) {
      this.chunks.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.chunks.push(Number(v));
  }
}
