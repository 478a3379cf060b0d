import { GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionResult } from 'graphql';
import {
  LiveHub,
  LiveSpanFilter,
  LocalSource,
  SharedSubscriptions,
  SlowConsumerSignal,
  executionState,
  slowConsumerError,
  type LiveBatch,
  type LiveSpan,
} from '../../../src/live';
import { span, turns } from './spans';

/** A one-field subscription schema over a hub, counting how often the payload is executed. */
async function setup(queueLimit = 100) {
  let emit: (spans: readonly LiveSpan[]) => void = () => undefined;
  const hub = new LiveHub<LiveSpan>({ coalesceMs: 0, queueLimit: 1000 });
  await hub.start(async (sink) => {
    const s = new LocalSource<LiveSpan>((l) => ((emit = l), () => undefined));
    await s.open(sink);
    return s;
  });
  const executed = { count: 0 };
  const Batch = new GraphQLObjectType({
    name: 'Batch',
    fields: { ids: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLString))) } },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt, resolve: () => 1 } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        spans: {
          type: new GraphQLNonNull(Batch),
          args: { exclusive: { type: GraphQLInt } },
          subscribe: (_root, args: { exclusive?: number }, ctx: object) => {
            if (args.exclusive) executionState(ctx).exclusive = true;
            return hub.subscribeSpans(new LiveSpanFilter(null));
          },
          resolve: (payload: LiveBatch<LiveSpan> | SlowConsumerSignal, _args, ctx: object) => {
            if (payload instanceof SlowConsumerSignal) throw slowConsumerError(payload);
            executed.count += 1;
            executionState(ctx).lastWeight = payload.spans.length;
            return { ids: payload.spans.map((s) => s.spanId) };
          },
        },
      },
    }),
  });
  const shared = new SharedSubscriptions(queueLimit);
  const sub = async (query = 'subscription { spans { ids } }') => {
    const document = parse(query);
    const result = await shared.subscribe({ schema, document, contextValue: {} }, query);
    if (!(Symbol.asyncIterator in result)) throw new Error(`expected a stream, received ${JSON.stringify(result)}`);
    return result as AsyncIterableIterator<ExecutionResult>;
  };
  return { hub, shared, sub, executed, emit: (s: LiveSpan[]) => emit(s) };
}

describe('SharedSubscriptions', () => {
  it('executes an identical subscription once per event for all its subscribers', async () => {
    const { hub, shared, sub, executed, emit } = await setup();
    const subs = await Promise.all(Array.from({ length: 50 }, () => sub()));
    expect(shared.stats()).toEqual({ groups: 1, subscribers: 50 });
    expect(hub.stats().subscriptions).toBe(1);
    emit([span({ spanId: 'a' })]);
    const results = await Promise.all(subs.map((s) => s.next()));
    for (const r of results) expect(r.value).toEqual({ data: { spans: { ids: ['a'] } } });
    expect(executed.count).toBe(1);
    await Promise.all(subs.map((s) => s.return?.()));
    await turns(2);
    expect(shared.stats()).toEqual({ groups: 0, subscribers: 0 });
    expect(hub.stats().subscriptions).toBe(0);
    await hub.stop();
  });

  it('never shares an execution its resolver marked exclusive', async () => {
    const { hub, shared, sub, executed, emit } = await setup();
    const q = 'subscription { spans(exclusive: 1) { ids } }';
    const a = await sub(q);
    const b = await sub(q);
    expect(shared.stats().groups).toBe(0);
    emit([span({ spanId: 'x' })]);
    expect((await a.next()).value).toEqual({ data: { spans: { ids: ['x'] } } });
    expect((await b.next()).value).toEqual({ data: { spans: { ids: ['x'] } } });
    expect(executed.count).toBe(2);
    await a.return?.();
    await b.return?.();
    await hub.stop();
  });

  it('a subscriber that does not pull gets SLOW_CONSUMER and completes; the others keep receiving', async () => {
    const { hub, sub, emit } = await setup(5);
    const slow = await sub();
    const fast = await sub();
    const got: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      emit([span({ spanId: `s${i}` })]);
      const r = await fast.next();
      got.push(...((r.value as ExecutionResult<{ spans: { ids: string[] } }>).data?.spans.ids ?? []));
    }
    expect(got).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7']);
    const last = (await slow.next()).value as ExecutionResult;
    expect(last.errors?.[0]?.extensions).toMatchObject({ code: 'SLOW_CONSUMER', limit: 5 });
    expect((await slow.next()).done).toBe(true);
    await fast.return?.();
    await turns(2);
    expect(hub.stats().subscriptions).toBe(0);
    await hub.stop();
  });

  it('when the hub stops, every shared subscriber completes', async () => {
    const { hub, shared, sub } = await setup();
    const a = await sub();
    const b = await sub();
    const pa = a.next();
    const pb = b.next();
    await hub.stop();
    expect((await pa).done).toBe(true);
    expect((await pb).done).toBe(true);
    await turns(2);
    expect(shared.stats()).toEqual({ groups: 0, subscribers: 0 });
  });
});
