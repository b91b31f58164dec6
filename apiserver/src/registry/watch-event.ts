/**
 * What one watcher gets of one storage event. Every watcher of a resource that gets the same
 * event gets the same encodings: the REST watch line and the gRPC object JSON are made once per
 * storage event (memoized on the shared HubEvent), not once per watcher; a watcher that asks for
 * `object` decodes a copy of its own, lazily.
 */
import type { KubeObject } from '@kubelab/api';
import type { WatchEventType } from '@kubelab/proto';
import { ownBytes } from '../util/own-bytes.js';
import type { Core } from './core.js';
import type { HubEvent } from './hub.js';
import type { RegistryEvent } from './types.js';

/** The object with this apiVersion/kind first, as the REST layer's withTypeMeta. */
function typed(obj: KubeObject, apiVersion: string, kind: string): KubeObject {
  if (obj.apiVersion === apiVersion && obj.kind === kind) return obj;
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return { apiVersion, kind, ...rest } as KubeObject;
}

function memo<T extends string | Buffer>(ev: HubEvent, key: string, make: () => T): T {
  const wire = (ev.wire ??= new Map<string, string | Buffer>());
  let s = wire.get(key) as T | undefined;
  if (s === undefined) {
    s = make();
    wire.set(key, s);
  }
  return s;
}

/**
 * One watcher's view of a storage event: methods on the prototype, one allocation per delivery
 * (a hot path: every event × every watcher).
 */
class SharedEvent implements RegistryEvent {
  private own: KubeObject | undefined;

  constructor(
    private readonly core: Core,
    private readonly ev: HubEvent,
    readonly type: WatchEventType,
    private readonly state: 'new' | 'prev',
  ) {}

  private get raw(): Buffer {
    return this.state === 'new' ? this.ev.raw : this.ev.prevRaw!;
  }

  /** The hub's decoded object of this state (shared, read-only: only serialized here), else a decoded copy. */
  private get readOnly(): KubeObject {
    return (this.state === 'new' ? this.ev.obj : this.ev.prev) ?? this.core.decode(this.raw, this.ev.rev);
  }

  get object(): KubeObject {
    return (this.own ??= this.core.decode(this.raw, this.ev.rev));
  }

  set object(o: KubeObject) {
    this.own = o;
  }

  objectJson(): string {
    return memo(this.ev, `${this.state}:object`, () => JSON.stringify(this.readOnly));
  }

  /** objectJson() as UTF-8 bytes, made once for every watcher of the event (read-only). */
  objectBytes(): Buffer {
    return memo(this.ev, `${this.state}:object:bytes`, () => Buffer.from(this.objectJson()));
  }

  /** The line as bytes with its newline (the object typed as the request's version): encoded once, written to every such watcher's socket as is. */
  watchLine(apiVersion: string, kind: string): Buffer {
    const { type } = this;
    return memo(this.ev, `${type}:${this.state}:${apiVersion}/${kind}`, () =>
      ownBytes(Buffer.from(`${JSON.stringify({ type, object: typed(this.readOnly, apiVersion, kind) })}\n`)),
    );
  }
}

/** The event `type` of `ev` carrying the new state (`raw`) or the last one (`prevRaw`). */
export function sharedEvent(core: Core, ev: HubEvent, type: WatchEventType, state: 'new' | 'prev'): RegistryEvent {
  return new SharedEvent(core, ev, type, state);
}
