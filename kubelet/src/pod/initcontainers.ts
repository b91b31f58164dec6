/**
 * Init containers run one at a time, in order, each to a successful exit in the current sandbox,
 * before any app container; a failed one is restarted (with back-off) unless restartPolicy is
 * Never. Sidecars (restartPolicy Always) only need to be running (and, with a startup probe,
 * started) to let the next one go, and are then kept running like app containers. A new sandbox
 * runs every init container again.
 */
import { isSidecar } from '../initstatus.js';
import { probeOf } from '../probes/types.js';
import { LABELS, newestFirst, type RuntimeContainer } from '../runtime/runtime.js';
import { instancesOf } from '../status.js';
import { sameId, type SandboxSync } from './context.js';
import { syncContainer } from './containers.js';
import { startContainer } from './start.js';

/** Returns true once every init container is done (sidecars: started). */
export async function syncInitContainers(ctx: SandboxSync, containers: RuntimeContainer[]): Promise<boolean> {
  const { pod, sandbox, uid } = ctx;
  const initPolicy = pod.spec.restartPolicy === 'Never' ? 'Never' : 'OnFailure';
  // Once app containers ran in this sandbox, a restarting sidecar no longer holds them up.
  const initialized = pod.spec.containers.some((c) =>
    instancesOf(containers, c.name).some((i) => sameId(i.sandboxId, sandbox.id)),
  );
  for (const spec of pod.spec.initContainers ?? []) {
    const instances = instancesOf(containers, spec.name);
    const cur = instances[0];
    if (isSidecar(spec)) {
      await syncContainer(ctx, spec, instances, 'Always');
      const now = (
        await ctx.deps.runtime.listPodContainers({ [LABELS.podUid]: uid, [LABELS.containerName]: spec.name })
      ).sort(newestFirst)[0];
      const started =
        now?.state === 'running' &&
        (!probeOf(spec, 'startup') || ctx.deps.probes?.started?.(uid, spec.name, now.id) === true);
      if (!started && !initialized) return false;
      continue;
    }
    const here = cur !== undefined && sameId(cur.sandboxId, sandbox.id);
    if (here && cur.state === 'exited' && cur.exitCode === 0 && !cur.startError) continue;
    if (cur && !here && cur.state === 'exited') {
      await startContainer(ctx, spec, cur.restartCount + 1, instances);
      return false;
    }
    await syncContainer(ctx, spec, instances, initPolicy);
    return false;
  }
  return true;
}
