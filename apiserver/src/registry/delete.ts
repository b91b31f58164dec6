/**
 * Delete, following the cluster conventions: graceful deletion of bound pods, finalizers
 * (deletionTimestamp set, object kept until they are gone), Foreground (adds the
 * foregroundDeletion finalizer), Orphan (strips the owner from its dependents first), Background
 * (delete now; the garbage collector removes dependents).
 */
import { ApiError, badRequest, conflict, notFound } from '@kubelab/proto';
import { resourceInfo, type KubeObject, type OwnerReference, type ResourceInfo } from '@kubelab/api';
import { RevisionConflictError } from '../storage/store.js';
import type { Core } from './core.js';
import type { Strategy } from './strategy.js';
import type { DeleteOpts } from './types.js';

/** Resources whose objects can have owners (searched when orphaning). */
export const OWNABLE = ['replicasets', 'pods', 'endpoints'];
const POLICIES = ['Background', 'Foreground', 'Orphan'];

type Plan = { kind: 'now' } | { kind: 'mark'; obj: KubeObject } | { kind: 'keep' };

function checkPreconditions(info: ResourceInfo, name: string, cur: KubeObject, rev: number, opts: DeleteOpts): void {
  if (opts.preconditionUid && opts.preconditionUid !== cur.metadata.uid)
    throw conflict(
      info.resource,
      name,
      info.group,
      `Precondition failed: UID in precondition: ${opts.preconditionUid}, UID in object meta: ${cur.metadata.uid ?? ''}`,
    );
  if (opts.preconditionResourceVersion && opts.preconditionResourceVersion !== String(rev))
    throw conflict(
      info.resource,
      name,
      info.group,
      `Precondition failed: ResourceVersion in precondition: ${opts.preconditionResourceVersion}, ResourceVersion in object meta: ${rev}`,
    );
}

/** Seconds a pod gets to shut down: 0 for unbound or finished pods. */
function podGracePeriod(pod: KubeObject, requested: number | undefined): number {
  const spec = (pod.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const g = requested ?? spec.terminationGracePeriodSeconds ?? 30;
  return g < 0 ? 1 : g;
}

export function planDeletion(core: Core, info: ResourceInfo, cur: KubeObject, opts: DeleteOpts): Plan {
  const finalizers = [...(cur.metadata.finalizers ?? [])];
  if (opts.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion'))
    finalizers.push('foregroundDeletion');
  const grace = info.resource === 'pods' ? podGracePeriod(cur, opts.gracePeriodSeconds) : 0;
  const meta = cur.metadata;
  const addedFinalizer = finalizers.length !== (meta.finalizers ?? []).length;
  if (meta.deletionTimestamp) {
    const current = meta.deletionGracePeriodSeconds ?? 0;
    if (finalizers.length === 0 && (grace === 0 || current === 0)) return { kind: 'now' };
    if (grace >= current && !addedFinalizer) return { kind: 'keep' };
  } else if (finalizers.length === 0 && grace === 0) {
    return { kind: 'now' };
  }
  const next = structuredClone(cur);
  const m = next.metadata;
  const current = meta.deletionTimestamp ? (meta.deletionGracePeriodSeconds ?? 0) : Infinity;
  if (grace < current) {
    m.deletionTimestamp = core.now(grace);
    m.deletionGracePeriodSeconds = grace;
  }
  if (!meta.deletionTimestamp) m.generation = (m.generation ?? 1) + 1;
  if (finalizers.length) m.finalizers = finalizers;
  return { kind: 'mark', obj: next };
}

/** Removes owner's uid from the ownerReferences of every object that lists it. */
export async function orphanDependents(core: Core, owner: KubeObject): Promise<void> {
  const uid = owner.metadata.uid;
  if (!uid) return;
  for (const resource of OWNABLE) {
    const info = resourceInfo(resource)!;
    const ns = owner.metadata.namespace ?? '';
    const res = await core.store.list(core.prefix(info, ns));
    for (const kv of res.kvs) {
      const dep = core.decodeKv(kv);
      if (!(dep.metadata.ownerReferences ?? []).some((r) => r.uid === uid)) continue;
      try {
        await core.guaranteedUpdate(info, dep.metadata.namespace ?? '', dep.metadata.name ?? '', (cur) => {
          const refs = (cur.metadata.ownerReferences ?? []).filter((r: OwnerReference) => r.uid !== uid);
          if (refs.length === (cur.metadata.ownerReferences ?? []).length) return undefined;
          if (refs.length) cur.metadata.ownerReferences = refs;
          else delete cur.metadata.ownerReferences;
          return { obj: cur };
        });
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
      }
    }
  }
}

export async function deleteObject(
  core: Core,
  strategy: Strategy,
  resource: string,
  namespace: string,
  name: string,
  opts: DeleteOpts = {},
): Promise<KubeObject> {
  const info = core.info(resource);
  const ns = core.ns(info, namespace);
  if (opts.propagationPolicy && !POLICIES.includes(opts.propagationPolicy))
    throw badRequest(
      `propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Orphan", "Foreground", "Background"`,
    );
  const key = core.key(info, ns, name);
  for (let attempt = 0; ; attempt++) {
    const cur = await core.get(info, ns, name);
    if (!cur) throw notFound(info.resource, name, info.group);
    checkPreconditions(info, name, cur.obj, cur.rev, opts);
    if (opts.propagationPolicy === 'Orphan') {
      if (info.resource !== 'pods' && !cur.obj.metadata.deletionTimestamp) {
        // Like upstream's orphan finalizer: the owner is marked deleting first, so its controller
        // stops adopting (it would otherwise re-adopt the dependents between strip and delete).
        try {
          await core.put(info, key, markOrphaning(core, cur.obj), cur.rev);
        } catch (err) {
          if (!(err instanceof RevisionConflictError) || attempt >= 20) throw err;
          continue;
        }
        await orphanDependents(core, cur.obj);
        return finishOrphaning(core, strategy, info, key, ns, name);
      }
      await orphanDependents(core, cur.obj);
    }
    const plan = planDeletion(core, info, cur.obj, opts);
    try {
      if (plan.kind === 'keep') return cur.obj;
      if (plan.kind === 'mark') {
        const rev = await core.put(info, key, plan.obj, cur.rev);
        plan.obj.metadata.resourceVersion = String(rev);
        return plan.obj;
      }
      const extra = (await strategy.sideEffects?.(undefined, cur.obj)) ?? [];
      const rev = await core.txn([{ type: 'delete', key, modRevision: cur.rev }, ...extra]);
      cur.obj.metadata.resourceVersion = String(rev);
      return cur.obj;
    } catch (err) {
      if (!(err instanceof RevisionConflictError) || attempt >= 20) throw err;
      if (err.key === key && !err.current) throw notFound(info.resource, name, info.group);
    }
  }
}

const ORPHAN = 'orphan';

function markOrphaning(core: Core, obj: KubeObject): KubeObject {
  const next = structuredClone(obj);
  next.metadata.deletionTimestamp = core.now(0);
  next.metadata.deletionGracePeriodSeconds = 0;
  next.metadata.finalizers = [...(next.metadata.finalizers ?? []), ORPHAN];
  next.metadata.generation = (next.metadata.generation ?? 1) + 1;
  return next;
}

/** After the dependents are orphaned: drops the orphan finalizer; deletes the object if none remain. */
async function finishOrphaning(
  core: Core,
  strategy: Strategy,
  info: ResourceInfo,
  key: string,
  ns: string,
  name: string,
): Promise<KubeObject> {
  for (let attempt = 0; ; attempt++) {
    const cur = await core.get(info, ns, name);
    if (!cur) throw notFound(info.resource, name, info.group);
    const finalizers = (cur.obj.metadata.finalizers ?? []).filter((f) => f !== ORPHAN);
    try {
      if (finalizers.length) {
        const next = structuredClone(cur.obj);
        next.metadata.finalizers = finalizers;
        const rev = await core.put(info, key, next, cur.rev);
        next.metadata.resourceVersion = String(rev);
        return next;
      }
      delete cur.obj.metadata.finalizers;
      const extra = (await strategy.sideEffects?.(undefined, cur.obj)) ?? [];
      const rev = await core.txn([{ type: 'delete', key, modRevision: cur.rev }, ...extra]);
      cur.obj.metadata.resourceVersion = String(rev);
      return cur.obj;
    } catch (err) {
      if (!(err instanceof RevisionConflictError) || attempt >= 20) throw err;
      if (err.key === key && !err.current) throw notFound(info.resource, name, info.group);
    }
  }
}
