/**
 * The watchers of a hub, indexed as upstream's cacher indexes them by a field they select on
 * (its "trigger", e.g. pods' spec.nodeName): an event goes to the watchers of the values the
 * object had before and after it, and to those without a trigger, not to every watcher. 200
 * kubelets each watching the pods of their node then cost one delivery per pod event, not 200.
 */
import { type FieldRequirement, fieldValue, type KubeObject } from '@kubelab/api';

/** An equality a watcher's field selector requires. */
export interface Trigger {
  path: string;
  value: string;
}

/** The trigger of a field selector: its first equality requirement, if any. */
export function triggerOf(reqs: readonly FieldRequirement[]): Trigger | undefined {
  const r = reqs.find((q) => q.op === '=');
  return r ? { path: r.path, value: r.value } : undefined;
}

export class TriggerIndex<S extends { trigger?: Trigger | undefined }> {
  private readonly plain = new Set<S>();
  /** path → value → watchers. */
  private readonly byPath = new Map<string, Map<string, Set<S>>>();

  add(sub: S): void {
    const t = sub.trigger;
    if (!t) {
      this.plain.add(sub);
      return;
    }
    let byValue = this.byPath.get(t.path);
    if (!byValue) this.byPath.set(t.path, (byValue = new Map()));
    let set = byValue.get(t.value);
    if (!set) byValue.set(t.value, (set = new Set()));
    set.add(sub);
  }

  delete(sub: S): void {
    const t = sub.trigger;
    if (!t) {
      this.plain.delete(sub);
      return;
    }
    const byValue = this.byPath.get(t.path);
    const set = byValue?.get(t.value);
    if (!set?.delete(sub) || set.size) return;
    byValue!.delete(t.value);
    if (!byValue!.size) this.byPath.delete(t.path);
  }

  clear(): void {
    this.plain.clear();
    this.byPath.clear();
  }

  /** Calls fn for every watcher an event changing `prev` into `obj` may concern (each once). */
  forEvent(obj: KubeObject | undefined, prev: KubeObject | undefined, fn: (sub: S) => void): void {
    for (const sub of this.plain) fn(sub);
    for (const [path, byValue] of this.byPath) {
      const now = obj ? fieldValue(obj, path) : undefined;
      const before = prev ? fieldValue(prev, path) : undefined;
      if (now !== undefined) for (const sub of byValue.get(now) ?? []) fn(sub);
      if (before !== undefined && before !== now) for (const sub of byValue.get(before) ?? []) fn(sub);
    }
  }
}
