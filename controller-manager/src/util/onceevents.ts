/**
 * Events that a reconcile would repeat on every pass (a claim waiting for its consumer, a pod
 * waiting for its claim): recorded once per object and reason until the message changes, so an
 * object's `describe` shows the state once instead of a line per resync.
 */
import type { KubeObject } from '@kubelab/api';
import type { EventRecorder, EventType } from '@kubelab/client/events';

export class OnceEvents {
  private readonly last = new Map<string, string>();

  constructor(private readonly recorder: EventRecorder) {}

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    const key = `${obj.metadata.uid ?? obj.metadata.name ?? ''}|${reason}`;
    if (this.last.get(key) === message) return;
    if (this.last.size > 10_000) this.last.clear();
    this.last.set(key, message);
    this.recorder.event(obj, type, reason, message);
  }

  /** Forgets an object (it was deleted, or its state moved on). */
  forget(obj: KubeObject): void {
    const prefix = `${obj.metadata.uid ?? obj.metadata.name ?? ''}|`;
    for (const k of this.last.keys()) if (k.startsWith(prefix)) this.last.delete(k);
  }
}
