import { GraphQLError, subscribe, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { ErrorCode } from '../errors';
import { log as rootLog } from '../log';
import { BoundedStream, SlowConsumerSignal } from './bounded-stream';
import { slowConsumerError } from './errors';
import { executionState } from './execution-state';
import { WrittenStream, type ResultWriter } from './written-stream';

const log = rootLog.child('live');

type ResultStream = AsyncIterableIterator<ExecutionResult>;

// Private: one subscriber's queue as the group sees it (a BoundedStream pulled by the transport, or a
// WrittenStream the group's pump writes through).
interface Member {
  push(result: ExecutionResult, weight: number, json: () => string): boolean;
  end(): void;
}

// Private: one GraphQL execution of a subscription, its results fanned out to every subscriber's queue.
interface Group {
  readonly key: string;
  readonly source: AsyncGenerator<ExecutionResult, void, void>;
  readonly subscribers: Set<Member>;
  readonly context: unknown;
  /** The map entry that leads new subscribers here; dropped as soon as the group starts winding down. */
  readonly entry: Promise<Group | null>;
}

export interface SharedSubscriptionsStats {
  groups: number;
  subscribers: number;
}

/**
 * Executes an identical subscription (same document, operation, variables and caller identity: the `shareKey`)
 * once per event and hands the same result to all its subscribers, each through its own bounded queue.
 *
 * A subscriber that comes with a `ResultWriter` (its transport writes results itself) gets each result without
 * errors as JSON text serialized once for the whole group, written from the group's own loop: no promise and no
 * serialization per subscriber. Results with errors still reach it through the returned stream, in order, so its
 * transport masks them for that subscriber.
 *
 * A subscription whose resolver declares itself exclusive (`executionState(context).exclusive`, e.g.
 * `includeExisting`, whose first message depends on when it subscribed) is never shared; its own source queue
 * bounds it instead.
 */
export class SharedSubscriptions {
  private readonly groups = new Map<string, Promise<Group | null>>();

  constructor(private readonly queueLimit: number) {
    if (!(Number.isInteger(queueLimit) && queueLimit > 0)) throw new RangeError(`SharedSubscriptions queueLimit: expected a positive integer, received ${queueLimit}`);
  }

  async subscribe(args: ExecutionArgs, shareKey: string, writer?: ResultWriter): Promise<ResultStream | ExecutionResult> {
    const pending = this.groups.get(shareKey);
    if (pending) {
      const group = await pending;
      if (group && this.groups.get(shareKey) === pending) return this.join(group, writer);
    }
    let settle: (group: Group | null) => void = () => undefined;
    const created = new Promise<Group | null>((resolve) => (settle = resolve));
    this.groups.set(shareKey, created);
    let result: Awaited<ReturnType<typeof subscribe>>;
    try {
      result = await subscribe(args);
    } catch (err) {
      this.forget(shareKey, created);
      settle(null);
      throw err;
    }
    if (!isAsyncIterable(result) || executionState(args.contextValue).exclusive) {
      this.forget(shareKey, created);
      settle(null);
      return result;
    }
    const group: Group = { key: shareKey, source: result, subscribers: new Set(), context: args.contextValue, entry: created };
    const stream = this.join(group, writer);
    settle(group);
    void this.pump(group);
    return stream;
  }

  stats(): SharedSubscriptionsStats {
    let subscribers = 0;
    let groups = 0;
    for (const group of this.live) {
      groups += 1;
      subscribers += group.subscribers.size;
    }
    return { groups, subscribers };
  }

  // Private: groups whose creation settled, kept in step with `groups` by pump and release.
  private readonly live = new Set<Group>();

  private join(group: Group, writer: ResultWriter | undefined): ResultStream {
    const leave = (member: Member): void => {
      group.subscribers.delete(member);
      if (group.subscribers.size === 0) {
        this.forget(group.key, group.entry);
        group.source.return().catch((err: unknown) => log.error('ending a shared subscription failed', { err }));
      }
    };
    if (writer) {
      const written: WrittenStream = new WrittenStream(this.queueLimit, writer, () => leave(written));
      group.subscribers.add(written);
      return written;
    }
    const stream: BoundedStream<ExecutionResult> = new BoundedStream<ExecutionResult>(this.queueLimit, () => leave(stream));
    group.subscribers.add(stream);
    return mapSlowConsumer(stream);
  }

  private async pump(group: Group): Promise<void> {
    this.live.add(group);
    try {
      for await (const result of group.source) {
        const weight = executionState(group.context).lastWeight;
        let json: string | undefined;
        const serialize = (): string => (json ??= JSON.stringify(result));
        for (const stream of [...group.subscribers]) stream.push(result, weight, serialize);
        if (group.subscribers.size === 0) break;
      }
    } catch (err) {
      // Errors inside resolvers arrive as results; this is the event stream itself failing. Masked, logged.
      log.error('a shared subscription\'s event stream failed', { err });
      const failed: ExecutionResult = { errors: [new GraphQLError('the live event stream failed', { extensions: { code: ErrorCode.INTERNAL } })] };
      for (const stream of [...group.subscribers]) stream.push(failed, 0, () => JSON.stringify(failed));
    } finally {
      this.live.delete(group);
      this.forget(group.key, group.entry);
      for (const stream of [...group.subscribers]) stream.end();
    }
  }

  private forget(key: string, created: Promise<Group | null>): void {
    if (this.groups.get(key) === created) this.groups.delete(key);
  }
}

function mapSlowConsumer(stream: BoundedStream<ExecutionResult>): ResultStream {
  const iterator: ResultStream = {
    async next() {
      const result = await stream.next();
      if (result.done) return result;
      if (result.value instanceof SlowConsumerSignal) return { value: { errors: [slowConsumerError(result.value)] }, done: false };
      return { value: result.value, done: false };
    },
    return: () => stream.return() as Promise<IteratorResult<ExecutionResult>>,
    throw: (error?: unknown) => stream.throw(error) as Promise<IteratorResult<ExecutionResult>>,
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

function isAsyncIterable(value: unknown): value is AsyncGenerator<ExecutionResult, void, void> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
