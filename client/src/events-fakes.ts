/**
 * An in-memory Events API for the recorder's unit tests: create, get and a resourceVersion-checked
 * update with the apiserver's error reasons, a switch to hold writes (to pile occurrences up
 * behind one in flight), and a way to change an Event behind the recorder's back.
 */
import type { KubeEvent, KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { EventSink } from './events-writer.js';

export class FakeEventSink implements EventSink {
  readonly events = new Map<string, KubeEvent>();
  readonly calls: string[] = [];
  private rv = 1;
  private held: (() => void)[] | undefined;
  /** get answers 403, as for the components (their roles allow create, update and patch only). */
  forbidGet = false;

  /** Holds every write until release(). */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const h = this.held ?? [];
    this.held = undefined;
    for (const f of h) f();
  }

  async create<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    await this.gate();
    this.calls.push(`create ${obj.metadata.name}`);
    const key = `${resource}/${obj.metadata.namespace}/${obj.metadata.name}`;
    if (this.events.has(key)) throw new ApiError('AlreadyExists', `events "${obj.metadata.name}" already exists`);
    return this.put(key, obj);
  }

  async get<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T> {
    if (this.forbidGet)
      throw new ApiError(
        'Forbidden',
        `events "${name}" is forbidden: User "system:node:n1" cannot get resource "events" in API group "" in the namespace "${namespace}"`,
      );
    const ev = this.events.get(`${resource}/${namespace}/${name}`);
    if (!ev) throw new ApiError('NotFound', `events "${name}" not found`);
    return structuredClone(ev) as unknown as T;
  }

  async update<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    await this.gate();
    this.calls.push(`update ${obj.metadata.name}`);
    const key = `${resource}/${obj.metadata.namespace}/${obj.metadata.name}`;
    const cur = this.events.get(key);
    if (!cur) throw new ApiError('NotFound', `events "${obj.metadata.name}" not found`);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== cur.metadata.resourceVersion)
      throw new ApiError(
        'Conflict',
        `Operation cannot be fulfilled on events "${obj.metadata.name}": the object has been modified`,
      );
    return this.put(key, obj);
  }

  /** Someone else changes the stored Event (bumps its resourceVersion). */
  touch(namespace: string, name: string, change: (ev: KubeEvent) => void): void {
    const key = `events/${namespace}/${name}`;
    const ev = this.events.get(key);
    if (!ev) throw new Error(`no event ${key}`);
    change(ev);
    ev.metadata.resourceVersion = String(++this.rv);
  }

  only(): KubeEvent {
    if (this.events.size !== 1) throw new Error(`expected one event, have ${this.events.size}`);
    return [...this.events.values()][0]!;
  }

  private put<T extends KubeObject>(key: string, obj: T): T {
    const saved = structuredClone(obj);
    saved.metadata.resourceVersion = String(++this.rv);
    this.events.set(key, saved as unknown as KubeEvent);
    return structuredClone(saved);
  }

  private gate(): Promise<void> {
    if (!this.held) return Promise.resolve();
    const h = this.held;
    return new Promise((r) => h.push(r));
  }
}
