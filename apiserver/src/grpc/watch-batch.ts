/**
 * The gRPC Watch's sender. grpc-js writes one message per event-loop turn on each stream (the next
 * write starts only once the last one's data left the process), so at one event per message a
 * busy apiserver sends a watcher some 60 events a second, and a rollout's watchers fall seconds
 * behind. Here an event is sent at once when nothing is being written; events that come while a
 * message is being written wait, and go together in the next message (WatchEvents). The reader
 * is held back (add() waits) once maxBytes are waiting.
 */
import type { WatchEvent, WatchEvents } from '@kubelab/proto';

/** The part of a server stream the sender uses. */
export interface MessageSink {
  write(message: WatchEvents, done: (err?: Error | null) => void): unknown;
}

export class WatchBatcher {
  private waiting: WatchEvent[] = [];
  private bytes = 0;
  private writing = false;
  private failed: Error | undefined;
  private idle: (() => void)[] = [];

  constructor(
    private readonly sink: MessageSink,
    private readonly maxBytes = 1024 * 1024,
  ) {}

  /** Queues an event; resolves at once, or once the backlog is below maxBytes again. */
  add(ev: WatchEvent): Promise<void> | undefined {
    if (this.failed) throw this.failed;
    this.waiting.push(ev);
    this.bytes += ev.object.length;
    this.flush();
    return this.bytes >= this.maxBytes ? this.whenWritten() : undefined;
  }

  /** Resolves when every event added so far was written (rejects when a write failed). */
  async drain(): Promise<void> {
    while (this.writing || this.waiting.length > 0) await this.whenWritten();
    if (this.failed) throw this.failed;
  }

  /** The stream is gone: drops what waits, wakes every waiter, and fails what follows. */
  abort(): void {
    this.failed ??= new Error('watch stream closed');
    this.waiting = [];
    this.bytes = 0;
    for (const w of this.idle.splice(0)) w();
  }

  private whenWritten(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private flush(): void {
    if (this.writing || this.waiting.length === 0 || this.failed) return;
    const events = this.waiting;
    this.waiting = [];
    this.bytes = 0;
    this.writing = true;
    this.sink.write({ events }, (err) => {
      this.writing = false;
      if (err) this.failed ??= err;
      this.flush();
      for (const w of this.idle.splice(0)) w();
    });
  }
}
