import { ProtoReader, ProtoWriter, ProtobufDecodeError, WireType } from '../../../src/ingest/otlp/wire';

describe('protobuf wire reader', () => {
  it('reads varints of every length, including 64-bit values and 10-byte negative int32s', () => {
    const bytes = new ProtoWriter()
      .varintField(1, 0)
      .varintField(2, 300)
      .varintField(3, 2n ** 64n - 1n)
      .varintField(4, -1n) // int32 -1 on the wire: ten bytes
      .finish();
    const r = new ProtoReader(bytes);
    expect(r.tag()).toEqual({ field: 1, wireType: WireType.VARINT });
    expect(r.varint64()).toBe(0n);
    expect(r.tag()).toEqual({ field: 2, wireType: WireType.VARINT });
    expect(r.varint32()).toBe(300);
    expect(r.tag()).toEqual({ field: 3, wireType: WireType.VARINT });
    expect(r.varint64()).toBe(2n ** 64n - 1n);
    expect(r.tag()).toEqual({ field: 4, wireType: WireType.VARINT });
    expect(r.varint32() | 0).toBe(-1);
    expect(r.atEnd()).toBe(true);
  });

  it('reads fixed64, fixed32, doubles and strings little-endian', () => {
    const bytes = new ProtoWriter()
      .fixed64Field(1, 1_764_151_200_123_456_789n)
      .fixed32Field(2, 0xdeadbeef)
      .doubleField(3, -2.5)
      .stringField(4, 'zürich ✓')
      .finish();
    const r = new ProtoReader(bytes);
    r.tag();
    expect(r.fixed64()).toBe(1_764_151_200_123_456_789n);
    r.tag();
    expect(r.fixed32()).toBe(0xdeadbeef);
    r.tag();
    expect(r.double()).toBe(-2.5);
    r.tag();
    expect(r.string()).toBe('zürich ✓');
  });

  it('fails on a truncated varint, naming the offset', () => {
    const r = new ProtoReader(Uint8Array.from([0x08, 0xff, 0xff]));
    r.tag();
    expect(() => r.varint64()).toThrow(new ProtobufDecodeError('truncated varint at byte 1'));
  });

  it('fails on a varint longer than 10 bytes', () => {
    const r = new ProtoReader(Uint8Array.from([...Array(11).fill(0xff), 0x01]));
    expect(() => r.varint64()).toThrow(/longer than 10 bytes/);
  });

  it('fails on a length that runs past the end of the message', () => {
    // field 1, LEN, length 5, but only 2 bytes follow
    const r = new ProtoReader(Uint8Array.from([0x0a, 0x05, 0x61, 0x62]));
    r.tag();
    expect(() => r.bytes()).toThrow('length 5 at byte 1 runs beyond the message (2 bytes left)');
  });

  it('keeps an embedded message inside its own bounds', () => {
    // outer field 1 = message of 2 bytes [field 1 LEN len 9] which claims more than the inner message holds
    const r = new ProtoReader(Uint8Array.from([0x0a, 0x02, 0x0a, 0x09, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69]));
    r.tag();
    const inner = r.message();
    inner.tag();
    expect(() => inner.bytes()).toThrow(/runs beyond the message \(0 bytes left\)/);
  });

  it('fails on a truncated fixed64', () => {
    const r = new ProtoReader(Uint8Array.from([0x09, 1, 2, 3]));
    r.tag();
    expect(() => r.fixed64()).toThrow('truncated 8-byte value at byte 1 (3 bytes left)');
  });

  it('skips unknown fields of every proto3 wire type and refuses groups', () => {
    const bytes = new ProtoWriter().varintField(7, 99).fixed64Field(8, 1n).stringField(9, 'x').fixed32Field(10, 1).varintField(1, 5).finish();
    const r = new ProtoReader(bytes);
    for (let i = 0; i < 4; i++) {
      const { field, wireType } = r.tag();
      r.skip(wireType, field);
    }
    r.tag();
    expect(r.varint32()).toBe(5);
    const group = new ProtoReader(Uint8Array.from([(11 << 3) | WireType.SGROUP]));
    const t = group.tag();
    expect(() => group.skip(t.wireType, t.field)).toThrow(/wire type 3 \(SGROUP\), which proto3 never sends/);
  });

  it('refuses field number 0 and invalid UTF-8', () => {
    expect(() => new ProtoReader(Uint8Array.from([0x02])).tag()).toThrow('invalid field number 0 at byte 0');
    const r = new ProtoReader(Uint8Array.from([0x0a, 0x02, 0xc3, 0x28]));
    r.tag();
    expect(() => r.string()).toThrow('string at byte 1 is not valid UTF-8');
  });

  it('names the expected and received wire type of a known field', () => {
    const r = new ProtoReader(Uint8Array.from([0x08, 0x01]));
    const { wireType } = r.tag();
    expect(() => r.expect(wireType, WireType.LEN, 'Span.trace_id')).toThrow('Span.trace_id must have wire type 2 (LEN), got 0 (VARINT) before byte 1');
  });
});
