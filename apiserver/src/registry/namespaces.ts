/**
 * Namespace deletion: the namespace is marked Terminating (and returned so), then a background
 * task deletes everything in it (pods gracefully) and removes the namespace once it is empty.
 * Terminating namespaces found at start-up are picked up again.
 */
import type { Logger } from 'pino';
import { ApiError, conflict } from '@kubelab/proto';
import { RESOURCES, resourceInfo, type KubeObject } from '@kubelab/api';
import { sleep } from '@kubelab/client';
import type { Core } from './core.js';
import type { DeleteOpts } from './types.js';

const NAMESPACES = resourceInfo('namespaces')!;
export const UNDELETABLE_NAMESPACES = ['default', 'kube-system', 'kube-public'];

type DeleteOne = (resource: string, namespace: string, name: string, opts: DeleteOpts) => Promise<unknown>;

export async function markNamespaceTerminating(core: Core, name: string, opts: DeleteOpts): Promise<KubeObject> {
  if (UNDELETABLE_NAMESPACES.includes(name))
    throw new ApiError('Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, {
      name,
      kind: 'namespaces',
    });
  return core.guaranteedUpdate(NAMESPACES, '', name, (ns, rev) => {
    if (opts.preconditionUid && opts.preconditionUid !== ns.metadata.uid)
      throw conflict(
        'namespaces',
        name,
        '',
        `Precondition failed: UID in precondition: ${opts.preconditionUid}, UID in object meta: ${ns.metadata.uid ?? ''}`,
      );
    if (opts.preconditionResourceVersion && opts.preconditionResourceVersion !== String(rev))
      throw conflict(
        'namespaces',
        name,
        '',
        `Precondition failed: ResourceVersion in precondition: ${opts.preconditionResourceVersion}, ResourceVersion in object meta: ${rev}`,
      );
    const status = (ns.status ?? {}) as { phase?: string };
    if (ns.metadata.deletionTimestamp && status.phase === 'Terminating') return undefined;
    ns.metadata.deletionTimestamp ??= core.now();
    ns.metadata.deletionGracePeriodSeconds ??= 0;
    ns.status = { ...status, phase: 'Terminating' };
    return { obj: ns };
  });
}

/** Deletes every object of the namespace; returns how many remain afterwards. */
async function sweep(core: Core, ns: string, deleteOne: DeleteOne, log: Logger | undefined): Promise<number> {
  let remaining = 0;
  for (const info of RESOURCES.filter((r) => r.namespaced)) {
    const res = await core.store.list(core.prefix(info, ns));
    for (const kv of res.kvs) {
      const obj = core.decodeKv(kv);
      const name = obj.metadata.name ?? '';
      try {
        await deleteOne(info.resource, ns, name, { propagationPolicy: 'Background' });
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'NotFound'))
          log?.warn(
            { namespace: ns, resource: info.resource, name, err: (err as Error).message },
            'namespace cleanup: delete failed',
          );
      }
    }
    remaining += (await core.store.list(core.prefix(info, ns))).kvs.length;
  }
  return remaining;
}

/** Empties a Terminating namespace and then deletes it; returns when done or aborted. */
export async function finalizeNamespace(
  core: Core,
  name: string,
  deleteOne: DeleteOne,
  signal: AbortSignal,
  pollMs: number,
): Promise<void> {
  const log = core.log?.child({ namespace: name });
  while (!signal.aborted) {
    try {
      const cur = await core.get(NAMESPACES, '', name);
      if (!cur || !cur.obj.metadata.deletionTimestamp) return;
      const remaining = await sweep(core, name, deleteOne, log);
      if (remaining === 0) {
        await core.deleteKey(core.key(NAMESPACES, '', name), cur.rev);
        log?.info('namespace deleted');
        return;
      }
      log?.debug({ remaining }, 'namespace still has objects; waiting');
    } catch (err) {
      log?.warn({ err: (err as Error).message }, 'namespace cleanup failed; retrying');
    }
    await sleep(pollMs, signal);
  }
}
