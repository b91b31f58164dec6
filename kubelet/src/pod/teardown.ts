/**
 * Removing what a pod no longer needs: containers its spec does not have (any more), older
 * instances of a container, and everything of a pod whose containers are done for good.
 */
import { SANDBOX_NAME, type ContainerRuntime, type RuntimeContainer } from '../runtime/runtime.js';
import type { SyncContext } from './context.js';

/** Stops (when running) and removes one container. */
export async function destroy(runtime: ContainerRuntime, c: RuntimeContainer, graceSeconds: number): Promise<void> {
  if (c.state === 'running') await runtime.stop(c.id, graceSeconds);
  await runtime.remove(c.id);
}

/** Keeps the first (newest) of `older` (for `logs --previous`), removes the rest. */
export async function prune(runtime: ContainerRuntime, older: RuntimeContainer[]): Promise<void> {
  for (const c of older.slice(1)) await runtime.remove(c.id);
}

/** Removes the containers the pod spec does not name; returns the pod's own (with its sandboxes). */
export async function removeUnknown(ctx: SyncContext, containers: RuntimeContainer[]): Promise<RuntimeContainer[]> {
  const specNames = new Set([...ctx.pod.spec.containers, ...(ctx.pod.spec.initContainers ?? [])].map((c) => c.name));
  const own = (c: RuntimeContainer): boolean => c.containerName === SANDBOX_NAME || specNames.has(c.containerName);
  for (const c of containers) {
    if (own(c)) continue;
    ctx.log.info(
      { container: c.containerName, id: c.id.slice(0, 12) },
      'removing a container the pod spec does not have',
    );
    await destroy(ctx.deps.runtime, c, ctx.grace);
  }
  return containers.filter(own);
}

/** All app containers are done for good: stop anything still running and drop the sandbox. */
export async function teardownFinished(ctx: SyncContext, containers: RuntimeContainer[]): Promise<void> {
  for (const c of containers) {
    if (c.containerName === SANDBOX_NAME) {
      ctx.log.info({ id: c.id.slice(0, 12) }, 'pod finished; removing its sandbox');
      await ctx.deps.runtime.remove(c.id);
    } else if (c.state === 'running') {
      await ctx.deps.runtime.stop(c.id, ctx.grace);
    }
  }
}
