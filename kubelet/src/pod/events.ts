/**
 * The events a pod sync records (Created, Started, BackOff, Failed, ...), best effort; a
 * one-off state (a back-off, a failed mount) is reported once until it changes.
 */
import type { Pod } from '@kubelab/api';
import type { EventRecorder } from '@kubelab/client/events';

export type EventType = 'Normal' | 'Warning';

export class PodEvents {
  /** What the last one-off event per key (pod uid/container#what) was about. */
  private readonly reported = new Map<string, string>();

  constructor(private readonly recorder?: EventRecorder) {}

  event(pod: Pod, type: EventType, reason: string, message: string): void {
    this.recorder?.event(pod, type, reason, message);
  }

  /** Records the event only when `what` differs from what was last reported under key. */
  once(key: string, what: string, pod: Pod, type: EventType, reason: string, message: string): void {
    if (this.reported.get(key) === what) return;
    this.reported.set(key, what);
    this.event(pod, type, reason, message);
  }

  /** The state reported under key is over: the next one is reported again. */
  clear(key: string): void {
    this.reported.delete(key);
  }

  forget(uid: string): void {
    for (const k of [...this.reported.keys()]) if (k.startsWith(`${uid}/`)) this.reported.delete(k);
  }
}
