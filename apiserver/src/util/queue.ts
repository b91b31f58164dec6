/**
 * An unbounded push queue read as an async iterable: producers push(), fail() or close(); one
 * consumer iterates. Iteration ends after close() (once drained) and throws after fail().
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
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

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      if (this.error !== undefined) throw this.error;
      if (this.head < this.items.length) {
        const item = this.items[this.head++]!;
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        yield item;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((r) => (this.waiter = r));
    }
  }
}
