import type { SpanRecord } from '../../src/domain';
import { compilePolicy, DEFAULT_RULES, HASH_PREFIX, luhn, Redactor, type RuleSpec } from '../../src/privacy';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const CARD = '4111 1111 1111 1111';
const ORDER_ID = '1234567812345678'; // 16 digits, fails Luhn

function span(overrides: Partial<SpanRecord> = {}): SpanRecord {
  return {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    parentSpanId: null,
    service: 'shop',
    operation: 'GET /pay',
    kind: 'SERVER',
    startUs: 1,
    endUs: 2,
    durationUs: 1,
    startTime: 1,
    endTime: 2,
    status: 'OK',
    result: null,
    attributes: [],
    metrics: [],
    events: [],
    links: [],
    ...overrides,
  };
}

function redactor(rules: readonly RuleSpec[] = DEFAULT_RULES, key: Buffer | null = null): Redactor {
  return new Redactor(compilePolicy(rules, key, 'test'));
}

function attrs(s: SpanRecord): Record<string, unknown> {
  return Object.fromEntries(s.attributes.map((a) => [a.key, a.value]));
}

describe('Luhn', () => {
  it('accepts valid card numbers and refuses order ids', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('5500 0000 0000 0004')).toBe(true);
    expect(luhn('340000000000009')).toBe(true);
    expect(luhn(ORDER_ID)).toBe(false);
    expect(luhn('4111111111111112')).toBe(false);
  });
});

describe('Redactor with the default rules, no key (mask)', () => {
  const r = redactor();

  it('masks card numbers (spaces, dashes, none) and leaves invalid 16-digit ids and short numbers alone', () => {
    const s = span({
      attributes: [
        { key: 'payment.card', value: CARD },
        { key: 'note', value: 'paid with 4111-1111-1111-1111 today' },
        { key: 'raw', value: '5500000000000004' },
        { key: 'order.id', value: ORDER_ID },
        { key: 'order.ref', value: `order ${ORDER_ID} of 12 items` },
        { key: 'long.digits', value: '41111111111111110000' },
        { key: 'amount', value: 4111111111111111 },
      ],
    });
    expect(r.redactSpan(s)).toBe(3);
    expect(attrs(s)).toEqual({
      'payment.card': '[redacted:card]',
      note: 'paid with [redacted:card] today',
      raw: '[redacted:card]',
      'order.id': ORDER_ID,
      'order.ref': `order ${ORDER_ID} of 12 items`,
      'long.digits': '41111111111111110000',
      amount: 4111111111111111,
    });
    expect(s.redactedCount).toBe(3);
  });

  it('masks e-mails, bearer tokens and JWTs inside text, and values of sensitive keys whatever they hold', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl';
    const s = span({
      attributes: [
        { key: 'customer', value: 'Alice <alice.smith+shop@example.co.uk>' },
        { key: 'http.request.header.authorization', value: ['Basic dXNlcjpwYXNz'] },
        { key: 'forwarded', value: `Bearer ${jwt}` },
        { key: 'session', value: jwt },
        { key: 'db.password', value: 1234 },
        { key: 'client_secret', value: 'x' },
        { key: 'X-Api-Token', value: 'abc' },
        { key: 'http.route', value: '/pay' },
        { key: 'at.sign', value: 'meet @ noon, user@host has no dot' },
      ],
    });
    expect(r.redactSpan(s)).toBe(7);
    expect(attrs(s)).toEqual({
      customer: 'Alice <[redacted:email]>',
      'http.request.header.authorization': '[redacted:authorization]',
      forwarded: '[redacted:bearer]',
      session: '[redacted:jwt]',
      'db.password': '[redacted:password]',
      client_secret: '[redacted:secret]',
      'X-Api-Token': '[redacted:token]',
      'http.route': '/pay',
      'at.sign': 'meet @ noon, user@host has no dot',
    });
  });

  it('touches only the offending query parameters of URL attributes, judged decoded', () => {
    const s = span({
      attributes: [
        { key: 'url.full', value: `https://shop.example/pay?lang=en&card=4111%201111%201111%201111&order=${ORDER_ID}&access_token=abc#top` },
        { key: 'http.target', value: '/login?email=alice%40example.com&next=%2Fhome' },
        { key: 'url.query', value: 'q=shoes&card=4111+1111+1111+1111' },
        { key: 'http.url', value: 'https://shop.example/items?id=7' },
      ],
    });
    expect(r.redactSpan(s)).toBe(4);
    expect(attrs(s)).toEqual({
      'url.full': `https://shop.example/pay?lang=en&card=${encodeURIComponent('[redacted:card]')}&order=${ORDER_ID}&access_token=${encodeURIComponent('[redacted:token]')}#top`,
      'http.target': `/login?email=${encodeURIComponent('[redacted:email]')}&next=%2Fhome`,
      'url.query': `q=shoes&card=${encodeURIComponent('[redacted:card]')}`,
      'http.url': 'https://shop.example/items?id=7',
    });
  });

  it('redacts event attributes, result.message and result.data (walking the JSON, keys by name and path)', () => {
    const s = span({
      result: {
        status: 'ERROR',
        code: '402',
        message: `card ${CARD} declined for bob@example.com`,
        data: { customer: { email: 'bob@example.com', password: 'hunter2', tier: 'gold' }, cards: [CARD, ORDER_ID], ok: false, n: 3 },
      },
      events: [{ timeUs: 1, time: 1, name: 'retry', attributes: [{ key: 'auth', value: 'bearer abc123' }, { key: 'attempt', value: 2 }] }],
    });
    expect(r.redactSpan(s)).toBe(6);
    expect(s.result).toEqual({
      status: 'ERROR',
      code: '402',
      message: 'card [redacted:card] declined for [redacted:email]',
      data: { customer: { email: '[redacted:email]', password: '[redacted:password]', tier: 'gold' }, cards: ['[redacted:card]', ORDER_ID], ok: false, n: 3 },
    });
    expect(s.events[0]!.attributes).toEqual([
      { key: 'auth', value: '[redacted:bearer]' },
      { key: 'attempt', value: 2 },
    ]);
  });

  it('redacts link attributes like event attributes', () => {
    const s = span({ links: [{ traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceState: null, attributes: [{ key: 'note', value: `paid with ${CARD}` }, { key: 'n', value: 1 }] }] });
    expect(r.redactSpan(s)).toBe(1);
    expect(s.links[0]!.attributes).toEqual([
      { key: 'note', value: 'paid with [redacted:card]' },
      { key: 'n', value: 1 },
    ]);
  });

  it('leaves a span without sensitive values exactly as it was, without a count', () => {
    const s = span({ attributes: [{ key: 'http.route', value: '/orders/{id}' }, { key: 'items', value: 3 }], result: { status: 'OK', code: '200', message: 'fine', data: { a: [1, 'b'] } } });
    const before = JSON.parse(JSON.stringify(s)) as SpanRecord;
    expect(r.redactSpan(s)).toBe(0);
    expect(s).toEqual(before);
    expect('redactedCount' in s).toBe(false);
  });

  it('keeps values nothing is redacted from as the same objects, and copies a changed one from its first change on', () => {
    const clean = { a: [1, 'b', { c: 'd' }], e: { f: true } };
    const nested = { keep: { g: 'h' }, list: ['x', 'bob@example.com', 'y'], after: { i: 1 } };
    const data = { j: ['k'] };
    const s = span({ attributes: [{ key: 'clean', value: clean }, { key: 'nested', value: nested }], result: { status: 'OK', code: null, message: null, data } });
    expect(r.redactSpan(s)).toBe(1);
    expect(s.attributes[0]!.value).toBe(clean);
    expect(s.result!.data).toBe(data);
    const redacted = s.attributes[1]!.value as typeof nested;
    expect(redacted).not.toBe(nested);
    expect(redacted).toEqual({ keep: { g: 'h' }, list: ['x', '[redacted:email]', 'y'], after: { i: 1 } });
    expect(Object.keys(redacted)).toEqual(['keep', 'list', 'after']);
    expect(redacted.keep).toBe(nested.keep);
    expect(redacted.after).toBe(nested.after);
    // The sent value is left as it was.
    expect(nested.list).toEqual(['x', 'bob@example.com', 'y']);
  });

  it('keeps a property named __proto__ as a property, whether its object is copied or not', () => {
    const untouched = JSON.parse('{"__proto__": {"x": 1}, "y": "z"}') as Record<string, unknown>;
    const changed = JSON.parse('{"__proto__": {"x": 1}, "mail": "bob@example.com"}') as Record<string, unknown>;
    const s = span({ attributes: [{ key: 'untouched', value: untouched }, { key: 'changed', value: changed }] });
    expect(r.redactSpan(s)).toBe(1);
    expect(s.attributes[0]!.value).toBe(untouched);
    const copy = s.attributes[1]!.value as Record<string, unknown>;
    expect(Object.keys(copy)).toEqual(['__proto__', 'mail']);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')!.value).toEqual({ x: 1 });
    expect(copy['mail']).toBe('[redacted:email]');
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });

  it('counts redactions per rule', () => {
    const counted = redactor();
    counted.redactSpan(span({ attributes: [{ key: 'a', value: `${CARD} and ${CARD}` }, { key: 'b', value: 'x@y.io' }] }));
    expect(Object.fromEntries(counted.ruleCounts())).toMatchObject({ card: 2, email: 1, bearer: 0, password: 0 });
  });
});

describe('Redactor with a key (hash) and user rules', () => {
  const rules: RuleSpec[] = [
    ...DEFAULT_RULES,
    { name: 'customer-id', key: ['customer.id', '*.customer_id'] },
    { name: 'ticket', pattern: 'TCK-[0-9]{6}', action: 'mask' },
    { name: 'ssn', key: 'user.ssn', action: 'drop' },
    { name: 'iban', pattern: '\\bDE[0-9]{20}\\b', action: 'drop' },
  ];
  const r = redactor(rules, KEY);

  it('hashes with HMAC-SHA-256 so equal values correlate, and hashValue gives the stored value', () => {
    const a = span({ attributes: [{ key: 'customer.id', value: 'C-42' }, { key: 'user.email', value: 'alice@example.com' }, { key: 'card', value: CARD }] });
    const b = span({ attributes: [{ key: 'customer.id', value: 'C-42' }, { key: 'card', value: '4111-1111-1111-1111' }] });
    r.redactSpan(a);
    r.redactSpan(b);
    expect(attrs(a)['customer.id']).toMatch(new RegExp(`^${HASH_PREFIX}[0-9a-f]{32}$`));
    expect(attrs(a)['customer.id']).toBe(attrs(b)['customer.id']);
    expect(attrs(a)['card']).toBe(attrs(b)['card']);
    expect(attrs(a)['customer.id']).toBe(r.hashValue('C-42'));
    expect(attrs(a)['user.email']).toBe(r.hashValue('alice@example.com'));
    expect(attrs(a)['card']).toBe(r.hashValue(CARD));
    expect(r.hashValue('C-43')).not.toBe(r.hashValue('C-42'));
    expect(redactor(rules, Buffer.from('another-key-of-16+chars')).hashValue('C-42')).not.toBe(r.hashValue('C-42'));
  });

  it('applies user patterns (RE2), drop for keys, and drop for value matches', () => {
    const s = span({
      attributes: [
        { key: 'ticket', value: 'see TCK-123456 and TCK-12345' },
        { key: 'user.ssn', value: '078-05-1120' },
        { key: 'payout', value: 'to DE89370400440532013000 now' },
        { key: 'shipping', value: { address: { customer_id: 'C-9' } } },
      ],
      result: { status: 'ERROR', code: null, message: 'IBAN DE89370400440532013000 refused', data: null },
    });
    expect(r.redactSpan(s)).toBe(5);
    expect(attrs(s)).toEqual({ ticket: 'see [redacted:ticket] and TCK-12345', shipping: { address: { customer_id: r.hashValue('C-9') } } });
    expect(s.result!.message).toBeNull();
  });
});
