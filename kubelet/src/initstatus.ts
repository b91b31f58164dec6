/**
 * Init container status, upstream's way: statuses in spec order (ready once exited 0), the counts
 * getPhase uses (pending / failed initialization) and the incomplete list of the Initialized
 * condition. Sidecars (init containers with restartPolicy Always) count as initialized once started.
 */
import type { Container, ContainerStatus, Pod } from '@kubelab/api';
import type { ProbeView } from './probes/manager.js';
import type { RuntimeContainer } from './runtime/runtime.js';
import { containerStatuses, type Waiting } from './status.js';

export function isSidecar(c: Container): boolean {
  return c['restartPolicy'] === 'Always';
}

export function isSidecarName(pod: Pod, name: string): boolean {
  const c = (pod.spec.initContainers ?? []).find((x) => x.name === name);
  return c !== undefined && isSidecar(c);
}

export function initContainerStatuses(
  pod: Pod,
  containers: RuntimeContainer[],
  waiting: ReadonlyMap<string, Waiting>,
  probes?: ProbeView,
): ContainerStatus[] {
  const specs = pod.spec.initContainers ?? [];
  const out = containerStatuses(pod, containers, waiting, probes, specs, 'PodInitializing');
  for (const s of out) {
    const spec = specs.find((c) => c.name === s.name);
    if (spec && isSidecar(spec)) continue;
    s.ready = s.state.terminated !== undefined && s.state.terminated.exitCode === 0;
    if (!s.state.running) s.started = false;
  }
  return out;
}

function initialized(spec: Container, s: ContainerStatus | undefined): boolean {
  if (!s) return false;
  if (isSidecar(spec)) return s.started === true;
  return s.state.terminated !== undefined && s.state.terminated.exitCode === 0;
}

/** Names of init containers that have not completed (sidecars: not started), in spec order. */
export function incompleteInits(pod: Pod, statuses: ContainerStatus[]): string[] {
  return (pod.spec.initContainers ?? [])
    .filter(
      (c) =>
        !initialized(
          c,
          statuses.find((s) => s.name === c.name),
        ),
    )
    .map((c) => c.name);
}

/** Upstream getPhase's pendingInitialization / failedInitialization over regular init containers. */
export function initCounts(pod: Pod, statuses: ContainerStatus[]): { pending: number; failed: number } {
  let pending = 0;
  let failed = 0;
  for (const spec of pod.spec.initContainers ?? []) {
    if (isSidecar(spec)) continue;
    const s = statuses.find((x) => x.name === spec.name);
    if (!s || s.state.running) pending++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failed++;
    } else if (s.state.waiting) {
      if (s.lastState.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failed++;
      } else pending++;
    } else pending++;
  }
  return { pending, failed };
}
