import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { newTraceId, span, SUBMIT } from './fixtures';

const FIND = `query($attrs: [AttributeInput!]) { traces(filter: { attributes: $attrs }) { nodes { id spans { attributes { key value } result { data } } } } }`;

describe('`$` and `.` in attributes are data (HTTP)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('stores them, returns them unchanged, and matches them only literally', async () => {
    const traceId = newTraceId();
    const other = newTraceId();
    const attributes = [
      { key: '$where', value: 'this.a == 1' },
      { key: 'http.request.$method', value: { $gt: '' } },
      { key: 'list', value: ['$ne', { 'a.b': { $exists: true } }] },
    ];
    const res = await gw.gql(SUBMIT, {
      spans: [
        { ...span({ traceId, n: 0, attributes }), result: { status: 'OK', data: { $set: { 'x.y': 1 } } } },
        span({ traceId: other, n: 0, attributes: [{ key: 'http.request.$method', value: 'GET' }] }),
      ],
    });
    expect(res.data?.submitSpans).toEqual({ accepted: 2, duplicates: 0, rejected: [] });

    for (const attribute of attributes) {
      const found = await gw.gql(FIND, { attrs: [attribute] });
      expect(found.errors).toBeUndefined();
      expect(found.data!.traces.nodes.map((n: { id: string }) => n.id)).toEqual([traceId]);
    }
    const read = (await gw.gql(FIND, { attrs: [attributes[0]] })).data!.traces.nodes[0];
    expect(read.spans[0]).toEqual({ attributes, result: { data: { $set: { 'x.y': 1 } } } });

    // operator-shaped filter values never act as operators: they match nothing here
    // ({$gt: ''} is the stored value of the first trace, so it matches that trace by equality, and only it)
    const cases: [unknown, string[]][] = [[{ $gt: '' }, [traceId]], [{ $ne: 'GET' }, []], [{ $exists: true }, []], [{ $regex: '.*' }, []]];
    for (const [value, expected] of cases) {
      const found = await gw.gql(FIND, { attrs: [{ key: 'http.request.$method', value }] });
      expect(found.data!.traces.nodes.map((n: { id: string }) => n.id)).toEqual(expected);
    }
  });
});
