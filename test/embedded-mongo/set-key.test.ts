/**
 * `setKey` (the in-memory equality key of `$addToSet` and index entry deduplication) must agree with `keyOf` (the
 * equality key of the rest of the store): two values get the same setKey exactly when they get the same keyOf,
 * i.e. when an equality match treats them as equal. `keyOf`'s text of an array or a document is the JSON text of
 * its element keys (pinned below): it is part of the stored keys of values without a key encoding of their own.
 */
import { Binary, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import { keyOf, setKey } from '../../src/embedded-mongo/engine';

function values(): unknown[] {
  const nullProto = Object.create(null) as Record<string, unknown>;
  nullProto.a = 1;
  return [
    undefined, null, 0, -0, 1, 1.5, NaN, new Int32(1), new Double(1.5), Long.fromNumber(1), Decimal128.fromString('1'), 2n,
    '', 'a', '1', 'a:1', 's', '1:a', 'a\u0000b', '"', true, false, new Date(0), new Date(1), /a/i,
    new ObjectId('650000000000000000000001'), new Binary(Buffer.from([1, 2])), new Timestamp({ t: 1, i: 2 }), new MinKey(), new MaxKey(),
    [], [1], [1, 2], [2, 1], ['a', 'b'], ['ab'], ['a', ['b']], [[1]], [{ a: 1 }], [null], [undefined],
    {}, { a: 1 }, { a: 1.0 }, { a: Long.fromNumber(1) }, { a: '1' }, { b: 1 }, { a: 1, b: 2 }, { b: 2, a: 1 }, { a: { b: 1 } }, { 'a:1': '' },
    { s: 'payment', o: 'Authorize' }, { o: 'Authorize', s: 'payment' }, { k: 'x', v: '"y"' }, { k: 'x"', v: 'y' }, nullProto, { a: [1, 2] },
  ];
}

describe('setKey', () => {
  it('is equal for two values exactly when keyOf is', () => {
    const all = values();
    for (const a of all) {
      for (const b of all) {
        expect({ a, b, same: setKey(a) === setKey(b) }).toEqual({ a, b, same: keyOf(a) === keyOf(b) });
      }
    }
  });

  it('leaves keyOf text as JSON of the element keys', () => {
    expect(keyOf(['a', 1, [null]])).toBe('a' + JSON.stringify(['sa', 'd1', 'a' + JSON.stringify(['n'])]));
    expect(keyOf({ k: 'x"', v: { n: 2 } })).toBe('O' + JSON.stringify([['k', 'sx"'], ['v', 'O' + JSON.stringify([['n', 'd2']])]]));
    expect(keyOf({})).toBe('O[]');
    expect(keyOf([])).toBe('a[]');
  });
});
