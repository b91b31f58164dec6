/**
 * A work queue the test drives: keys are recorded, delayed keys wait until promoted, and drain()
 * runs reconciles until every queue is empty.
 */
import type { KeyQueue, ReconcileResult } from '@kubelab/client';

/** What drain() runs: a controller's name and reconcile. */
export interface Reconciler {
  readonly name: string;
  reconcile(key: string): Promise<void | ReconcileResult>;
}

export class ManualQueue implements KeyQueue {
  readonly keys = new Set<string>();
  readonly delayed: { key: string; ms: number }[] = [];

  add(key: string): void {
    this.keys.add(key);
  }

  addAfter(key: string, ms: number): void {
    if (ms <= 0) this.add(key);
    else this.delayed.push({ key, ms });
  }

  take(): string | undefined {
    const first = this.keys.values().next();
    if (first.done) return undefined;
    this.keys.delete(first.value);
    return first.value;
  }

  pending(): string[] {
    return [...this.keys];
  }

  get length(): number {
    return this.keys.size;
  }

  /** Moves the delayed keys into the queue (as if their time had come). */
  promoteDelayed(): void {
    for (const d of this.delayed.splice(0)) this.add(d.key);
  }

  clear(): void {
    this.keys.clear();
    this.delayed.length = 0;
  }
}

/**
 * Runs queued reconciles of the given controllers until every queue is empty. Errors are
 * collected (a real queue would retry them) and the key is not re-added. Returns the number of
 * reconciles run; throws when the system does not settle.
 */
export async function drain(
  controllers: { ctrl: Reconciler; queue: ManualQueue }[],
  opts: { max?: number; errors?: unknown[]; after?: () => void | Promise<void> } = {},
): Promise<number> {
  const max = opts.max ?? 1000;
  let n = 0;
  for (;;) {
    let progressed = false;
    for (const { ctrl, queue } of controllers) {
      const key = queue.take();
      if (key === undefined) continue;
      progressed = true;
      if (++n > max)
        throw new Error(
          `drain: not settled after ${max} reconciles (pending: ${controllers.map((c) => `${c.ctrl.name}=${c.queue.pending().join(',')}`).join(' ')})`,
        );
      try {
        const result = await ctrl.reconcile(key);
        if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        if (!opts.errors) throw err;
        opts.errors.push(err);
      }
      await opts.after?.();
    }
    if (!progressed) return n;
  }
}
