/** A test's starting state written straight to a MemoryStore, as etcd would hold it. */
import { randomUUID } from 'node:crypto';
import { apiVersionOf, resourceInfo, rfc3339, type KubeObject } from '@kubelab/api';
import type { StoreRegistry } from '../registry/registry.js';
import type { MemoryStore } from '../storage/memory.js';

/**
 * Stores an object as is, now (no defaults, validation or admission: e.g. a pod with a status or
 * a deletionTimestamp); a missing apiVersion, kind, uid and creationTimestamp are filled in.
 * Returns the stored copy with its resourceVersion.
 */
export function seedObject<T extends KubeObject>(
  registry: StoreRegistry,
  store: MemoryStore,
  resource: string,
  obj: T,
): T {
  const info = resourceInfo(resource);
  if (!info) throw new Error(`seed: unknown resource ${JSON.stringify(resource)}`);
  const o = structuredClone(obj);
  o.apiVersion ??= apiVersionOf(info);
  o.kind ??= info.kind;
  o.metadata.uid ??= randomUUID();
  o.metadata.creationTimestamp ??= rfc3339(registry.core.clock.now());
  if (info.namespaced) o.metadata.namespace ??= 'default';
  else delete o.metadata.namespace;
  const rev = store.putNow(
    registry.core.key(info, o.metadata.namespace ?? '', o.metadata.name ?? ''),
    registry.core.encode(o),
  );
  o.metadata.resourceVersion = String(rev);
  return o;
}
