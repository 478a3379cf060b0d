/**
 * Group commit for one kind of write: at most one write is in flight at a time; what is added while it is in
 * flight waits and goes out together, as one write, as soon as it is acknowledged. Something added while
 * nothing is in flight goes out at once (with whatever else is added in the same tick), so an idle writer adds
 * no wait.
 *
 * Each `add` settles with the write that holds its item: it resolves only after that write succeeded and rejects
 * with that write's error, the same error for every item of the group.
 */
export class GroupCommit<T> {
  private pending: Group<T> | null = null;
  private writing = false;

  /** `write` gets every item of a group, in the order they were added. */
  constructor(private readonly write: (items: readonly T[]) => Promise<void>) {}

  add(item: T): Promise<void> {
    if (!this.pending) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.pending = { items: [], done, resolve, reject };
      if (!this.writing) queueMicrotask(() => this.flush());
    }
    this.pending.items.push(item);
    return this.pending.done;
  }

  // Private: sends the collected group, then the one collected while it was in flight.
  private flush(): void {
    const group = this.pending;
    if (!group || this.writing) return;
    this.pending = null;
    this.writing = true;
    let written: Promise<void>;
    try {
      written = this.write(group.items);
    } catch (error) {
      written = Promise.reject(error);
    }
    written.then(group.resolve, group.reject).finally(() => {
      this.writing = false;
      this.flush();
    });
  }
}

interface Group<T> {
  items: T[];
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}
