/**
 * An unbounded push queue read as an async iterable: producers push(), fail() or close(); one
 * consumer iterates. Iteration ends after close() (once drained) and throws after fail().
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  /** Consumed slots (before head) are cleared: a watcher's queue must not keep events it has sent. */
  private items: (T | undefined)[] = [];
  private head = 0;
  private waiter: (() => void) | undefined;
  private closed = false;
  private error: unknown = undefined;

  /** Returns false when the queue is already closed (the item is dropped). */
  push(item: T): boolean {
    if (this.closed) return false;
    this.items.push(item);
    this.wake();
    return true;
  }

  /** Ends iteration with this error, dropping whatever is still queued. */
  fail(err: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.error = err ?? new Error('queue failed');
    this.items = [];
    this.head = 0;
    this.wake();
  }

  /** Ends iteration once the queued items are consumed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wake();
  }

  get size(): number {
    return this.items.length - this.head;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /**
   * A plain iterator rather than an async generator: every watch event passes through one of these
   * per watcher, and a generator's resumption costs several promises per item.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: (): Promise<IteratorResult<T>> => Promise.resolve({ value: undefined, done: true }),
    };
  }

  private next(): Promise<IteratorResult<T>> {
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.head < this.items.length) {
      const item = this.items[this.head] as T;
      this.items[this.head++] = undefined;
      if (this.head === this.items.length) {
        this.items.length = 0;
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ value: item, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = () => resolve(this.next())));
  }
}
