/**
 * Admission as upstream's: plugins see each write with the caller's identity, the new object and
 * (lazily) the stored one, and may change the new object (mutating) or refuse the write with a
 * 403. `admittingRegistry` puts them in front of a Registry for one caller, so the REST handlers
 * and the gRPC service write through the same plugins whatever path (create, update, patch, apply,
 * status, eviction, delete-collection) leads to the registry.
 */
import type { KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { DeleteOpts, Registry, StatusOptions, WriteOptions } from '../registry/types.js';
import type { UserInfo } from './user.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionRequest {
  user: UserInfo;
  operation: Operation;
  resource: string;
  /** "status" for status writes, else "". */
  subresource: string;
  namespace: string;
  name: string;
  /** The object being written (CREATE, UPDATE). */
  object?: KubeObject;
  /**
   * The stored object (UPDATE, DELETE), read on first use; undefined when there is none. It may be
   * the watch cache's shared copy: plugins only read it.
   */
  oldObject(): Promise<KubeObject | undefined>;
  /** Reads other objects (e.g. whether a node exists). */
  registry: Registry;
  /** Adds a warning to the response (REST: a `Warning: 299` header kubectl prints; gRPC: dropped). */
  warn(message: string): void;
}

export interface AdmissionPlugin {
  /** Returns the object to write (mutated or not), or throws ApiError to refuse. */
  admit(req: AdmissionRequest): Promise<KubeObject | undefined> | KubeObject | undefined;
}

/** The stored object; an update naming its resourceVersion may get it from the watch cache. */
async function readOld(
  registry: Registry,
  resource: string,
  namespace: string,
  name: string,
  atVersion: string | undefined,
): Promise<KubeObject | undefined> {
  try {
    return await registry.get(resource, namespace, name, { ...(atVersion ? { atVersion } : {}), shared: true });
  } catch (err) {
    if (err instanceof ApiError && err.reason === 'NotFound') return undefined;
    throw err;
  }
}

/** The registry as one caller sees it: every write first passes the plugins. */
export function admittingRegistry(
  registry: Registry,
  user: UserInfo,
  plugins: readonly AdmissionPlugin[],
  warn: (message: string) => void = () => undefined,
): Registry {
  if (plugins.length === 0) return registry;
  const run = async (
    operation: Operation,
    resource: string,
    subresource: string,
    namespace: string,
    name: string,
    object?: KubeObject,
  ): Promise<KubeObject | undefined> => {
    let old: Promise<KubeObject | undefined> | undefined;
    const req: AdmissionRequest = {
      user,
      operation,
      resource,
      subresource,
      namespace,
      name,
      registry,
      warn,
      oldObject: () =>
        (old ??=
          operation === 'CREATE'
            ? Promise.resolve(undefined)
            : readOld(registry, resource, namespace, name, object?.metadata?.resourceVersion)),
    };
    if (object) req.object = object;
    for (const p of plugins) {
      const out = await p.admit(req);
      if (out) req.object = out;
    }
    return req.object;
  };
  const wrapped: Registry = {
    create: async (resource: string, namespace: string, obj: KubeObject, opts?: WriteOptions) =>
      registry.create(
        resource,
        namespace,
        (await run('CREATE', resource, '', namespace, obj.metadata?.name ?? '', obj)) ?? obj,
        opts,
      ),
    get: (resource, namespace, name, opts) => registry.get(resource, namespace, name, opts),
    list: (resource, q) => registry.list(resource, q),
    update: async (resource: string, namespace: string, name: string, obj: KubeObject, opts?: WriteOptions) =>
      registry.update(
        resource,
        namespace,
        name,
        (await run('UPDATE', resource, '', namespace, name, obj)) ?? obj,
        opts,
      ),
    updateStatus: async (resource: string, namespace: string, name: string, obj: KubeObject, opts?: StatusOptions) =>
      registry.updateStatus(
        resource,
        namespace,
        name,
        (await run('UPDATE', resource, opts?.subresource ?? 'status', namespace, name, obj)) ?? obj,
        opts,
      ),
    delete: async (resource: string, namespace: string, name: string, opts?: DeleteOpts) => {
      await run('DELETE', resource, '', namespace, name);
      return registry.delete(resource, namespace, name, opts);
    },
    watch: (resource, q, signal) => registry.watch(resource, q, signal),
    bind: (namespace, name, nodeName, podUid) => registry.bind(namespace, name, nodeName, podUid),
  };
  if (registry.storageReady) wrapped.storageReady = registry.storageReady.bind(registry);
  if (registry.watchHealth) wrapped.watchHealth = registry.watchHealth.bind(registry);
  return wrapped;
}
