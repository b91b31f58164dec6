/**
 * Coalesces concurrent reads of a value that must be at least as new as the moment each caller
 * asked (etcd's current revision): a caller that arrives while a read is in flight does not join
 * it (it began before the caller asked) but waits for the next one, which starts as soon as the
 * current one is answered and serves every caller that came in the meantime. Under load this is
 * two reads in flight at most instead of one per request, each caller still linearizable.
 */
export class Coalescer<T> {
  private inFlight: Promise<T> | undefined;
  private next: Promise<T> | undefined;

  constructor(private readonly read: () => Promise<T>) {}

  get(): Promise<T> {
    if (!this.inFlight) return this.start();
    this.next ??= this.inFlight.then(
      () => this.promote(),
      () => this.promote(),
    );
    return this.next;
  }

  private start(): Promise<T> {
    const p = this.read();
    this.inFlight = p;
    const clear = (): void => {
      if (this.inFlight === p) this.inFlight = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  /** The queued callers' read becomes the one in flight. */
  private promote(): Promise<T> {
    this.next = undefined;
    return this.start();
  }
}
