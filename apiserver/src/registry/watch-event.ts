/**
 * What one watcher gets of one storage event. Every watcher of a resource that gets the same
 * event gets the same encodings: the REST watch line and the gRPC object JSON are made once per
 * storage event (memoized on the shared HubEvent), not once per watcher; a watcher that asks for
 * `object` decodes a copy of its own, lazily.
 */
import { apiVersionOf, type KubeObject, type ResourceInfo } from '@kubelab/api';
import type { WatchEventType } from '@kubelab/proto';
import type { Core } from './core.js';
import type { HubEvent } from './hub.js';
import type { RegistryEvent } from './types.js';

/** The object with apiVersion/kind of the resource first, as the REST layer's withTypeMeta. */
function typed(obj: KubeObject, info: ResourceInfo): KubeObject {
  if (obj.apiVersion === apiVersionOf(info) && obj.kind === info.kind) return obj;
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return { apiVersion: apiVersionOf(info), kind: info.kind, ...rest } as KubeObject;
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

/** The event `type` of `ev` carrying the new state (`raw`) or the last one (`prevRaw`). */
export function sharedEvent(core: Core, info: ResourceInfo, ev: HubEvent, type: WatchEventType, state: 'new' | 'prev'): RegistryEvent {
  const raw = state === 'new' ? ev.raw : ev.prevRaw!;
  let object: KubeObject | undefined;
  return {
    type,
    get object(): KubeObject {
      return (object ??= core.decode(raw, ev.rev));
    },
    set object(o: KubeObject) {
      object = o;
    },
    objectJson: () => memo(ev, `${state}:object`, () => JSON.stringify(core.decode(raw, ev.rev))),
    // The line as bytes with its newline: encoded once, written to every watcher's socket as is.
    watchLine: () => memo(ev, `${type}:${state}:${apiVersionOf(info)}/${info.kind}`, () => Buffer.from(`${JSON.stringify({ type, object: typed(core.decode(raw, ev.rev), info) })}\n`)),
  };
}
