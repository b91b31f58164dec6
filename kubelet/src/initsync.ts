/**
 * Init containers run one at a time, in order, each to a successful exit in the current sandbox,
 * before any app container; a failed one is restarted (with back-off) unless restartPolicy is
 * Never. Sidecars (restartPolicy Always) only need to be running (and, with a startup probe,
 * started) to let the next one go, and are then kept running like app containers. A new sandbox
 * runs every init container again.
 */
import type { Logger } from 'pino';
import type { Container, Pod } from '@kubelab/api';
import { isSidecar } from './initstatus.js';
import type { ProbeVerdicts } from './probes/manager.js';
import { probeOf } from './probes/types.js';
import { LABELS, newestFirst, type ContainerRuntime, type RuntimeContainer, type Sandbox } from './runtime/runtime.js';
import { instancesOf } from './status.js';
import type { SyncResult } from './sync.js';

/** What the init container loop needs of the syncer. */
export interface InitSyncHost {
  runtime: ContainerRuntime;
  probes?: ProbeVerdicts;
  syncContainer(pod: Pod, spec: Container, sandbox: Sandbox, instances: RuntimeContainer[], res: SyncResult, log: Logger, restartPolicy: string): Promise<void>;
  startNew(pod: Pod, spec: Container, sandbox: Sandbox, restartCount: number, older: RuntimeContainer[], res: SyncResult, log: Logger): Promise<void>;
}

function sameId(a: string | undefined, b: string): boolean {
  return a !== undefined && a.length > 0 && (a.startsWith(b) || b.startsWith(a));
}

/** Returns true once every init container is done (sidecars: started). */
export async function syncInitContainers(host: InitSyncHost, pod: Pod, sandbox: Sandbox, containers: RuntimeContainer[], res: SyncResult, log: Logger): Promise<boolean> {
  const uid = pod.metadata.uid ?? '';
  const initPolicy = pod.spec.restartPolicy === 'Never' ? 'Never' : 'OnFailure';
  // Once app containers ran in this sandbox, a restarting sidecar no longer holds them up.
  const initialized = pod.spec.containers.some((c) => instancesOf(containers, c.name).some((i) => sameId(i.sandboxId, sandbox.id)));
  for (const spec of pod.spec.initContainers ?? []) {
    const instances = instancesOf(containers, spec.name);
    const cur = instances[0];
    if (isSidecar(spec)) {
      await host.syncContainer(pod, spec, sandbox, instances, res, log, 'Always');
      const now = (await host.runtime.listPodContainers({ [LABELS.podUid]: uid, [LABELS.containerName]: spec.name })).sort(newestFirst)[0];
      const started = now?.state === 'running' && (!probeOf(spec, 'startup') || host.probes?.started?.(uid, spec.name, now.id) === true);
      if (!started && !initialized) return false;
      continue;
    }
    const here = cur !== undefined && sameId(cur.sandboxId, sandbox.id);
    if (here && cur.state === 'exited' && cur.exitCode === 0 && !cur.startError) continue;
    if (cur && !here && cur.state === 'exited') {
      await host.startNew(pod, spec, sandbox, cur.restartCount + 1, instances, res, log.child({ container: spec.name, init: true }));
      return false;
    }
    await host.syncContainer(pod, spec, sandbox, instances, res, log, initPolicy);
    return false;
  }
  return true;
}
