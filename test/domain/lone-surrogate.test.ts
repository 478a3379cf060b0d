/** loneSurrogateAt: the position of the first unpaired UTF-16 surrogate, or -1 for well-formed text. */
import { loneSurrogateAt } from '../../src/domain/checks/names';

describe('loneSurrogateAt', () => {
  it('finds no surrogate in well-formed text, one-byte or not', () => {
    for (const text of ['', 'checkout', 'é-ü', 'a\u{1F600}b', '\u{1F600}', '日本語']) expect([text, loneSurrogateAt(text)]).toEqual([text, -1]);
  });

  it('finds the first unpaired high or low surrogate', () => {
    expect(loneSurrogateAt('ab\uD800')).toBe(2);
    expect(loneSurrogateAt('\uDC00x')).toBe(0);
    expect(loneSurrogateAt('a\u{1F600}\uDBFFz')).toBe(3);
    expect(loneSurrogateAt('\uDC00\uD800')).toBe(0);
    expect(loneSurrogateAt('é\uD800\uD800\uDC00')).toBe(1);
  });
});
