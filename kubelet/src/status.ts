/**
 * Pure computation of a pod's status from what the runtime shows, following upstream's kubelet:
 * container states and reasons, the phase (getPhase), conditions with stable transition times,
 * IPs, start time and QoS class.
 */
import {
  canonical,
  rfc3339,
  type Container,
  type ContainerState,
  type ContainerStatus,
  type Pod,
  type PodCondition,
  type PodStatus,
} from '@kubelab/api';
import type { ProbeView } from './probes/manager.js';
import { probeOf } from './probes/types.js';
import { initContainerStatuses, incompleteInits, initCounts, isSidecarName } from './initstatus.js';
import { qosClass } from './quantity.js';
import { SANDBOX_NAME, newestFirst, type RuntimeContainer } from './runtime/runtime.js';

export interface Waiting {
  reason: string;
  message?: string;
}

export interface StatusInput {
  pod: Pod;
  /** Every runtime container of the pod (any state). */
  containers: RuntimeContainer[];
  /** Why a container is waiting, as decided by the last sync (back-off, pull errors). */
  waiting: ReadonlyMap<string, Waiting>;
  hostIP: string;
  network: string;
  now: number;
  /** Probe results; containers with a readiness/startup probe are not ready/started without one. */
  probes?: ProbeView;
}

const TERMINAL = new Set(['Succeeded', 'Failed']);

export function isTerminalPhase(phase: string | undefined): boolean {
  return phase !== undefined && TERMINAL.has(phase);
}

function iso(t: string | undefined): string | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? rfc3339(ms) : undefined;
}

/** Instances of one container name, newest first. */
export function instancesOf(containers: RuntimeContainer[], name: string): RuntimeContainer[] {
  return containers.filter((c) => c.containerName === name).sort(newestFirst);
}

/** The running sandbox (newest if several). */
export function runningSandbox(containers: RuntimeContainer[]): RuntimeContainer | undefined {
  return instancesOf(containers, SANDBOX_NAME).find((c) => c.state === 'running');
}

export function shouldRestart(restartPolicy: string | undefined, exitCode: number): boolean {
  if (restartPolicy === 'Never') return false;
  if (restartPolicy === 'OnFailure') return exitCode !== 0;
  return true;
}

/** True when every app container has run and none will be restarted (restartPolicy Never/OnFailure). */
export function podFinished(pod: Pod, containers: RuntimeContainer[]): boolean {
  if (pod.spec.containers.length === 0) return false;
  if (pod.spec.restartPolicy === 'Never') {
    // A failed init container of a never-restarting pod fails the pod.
    const failedInit = (pod.spec.initContainers ?? []).some((spec) => {
      if (spec['restartPolicy'] === 'Always') return false;
      const cur = instancesOf(containers, spec.name)[0];
      return cur !== undefined && cur.state === 'exited' && (cur.exitCode !== 0 || cur.startError !== undefined);
    });
    if (failedInit) return true;
  }
  return pod.spec.containers.every((spec) => {
    const cur = instancesOf(containers, spec.name)[0];
    return cur !== undefined && cur.state === 'exited' && !shouldRestart(pod.spec.restartPolicy, cur.exitCode ?? 0);
  });
}

export function terminatedState(c: RuntimeContainer): ContainerState {
  const exitCode = c.exitCode ?? 0;
  let reason = exitCode === 0 ? 'Completed' : 'Error';
  if (c.oomKilled) reason = 'OOMKilled';
  if (c.startError) reason = 'StartError';
  const t: NonNullable<ContainerState['terminated']> = { exitCode, reason };
  if (c.startError) t.message = c.startError;
  const startedAt = iso(c.startedAt) ?? iso(c.createdAt);
  const finishedAt = iso(c.finishedAt);
  if (startedAt) t.startedAt = startedAt;
  if (finishedAt) t.finishedAt = finishedAt;
  t.containerID = `docker://${c.id}`;
  return { terminated: t };
}

export function containerStatuses(
  pod: Pod,
  containers: RuntimeContainer[],
  waiting: ReadonlyMap<string, Waiting>,
  probes?: ProbeView,
  specs: Container[] = pod.spec.containers,
  notCreated = 'ContainerCreating',
): ContainerStatus[] {
  return specs.map((spec) => {
    const [cur, prev] = instancesOf(containers, spec.name);
    const w = waiting.get(spec.name);
    const status: ContainerStatus = {
      name: spec.name,
      state: { waiting: { reason: notCreated } },
      lastState: {},
      ready: false,
      restartCount: cur?.restartCount ?? 0,
      image: spec.image,
      imageID: cur?.imageRef ?? '',
      started: false,
    };
    if (cur) status.containerID = `docker://${cur.id}`;
    const previous = prev && prev.state === 'exited' ? terminatedState(prev) : {};
    if (!cur || cur.state === 'created' || cur.state === 'unknown') {
      status.state = { waiting: w ?? { reason: notCreated } };
      status.lastState = previous;
    } else if (cur.state === 'running') {
      const startedAt = iso(cur.startedAt);
      status.state = { running: startedAt ? { startedAt } : {} };
      status.lastState = previous;
      status.started = probeOf(spec, 'startup') ? (probes?.started(spec.name, cur.id) ?? false) : true;
      status.ready =
        status.started && (probeOf(spec, 'readiness') ? (probes?.ready(spec.name, cur.id) ?? false) : true);
    } else if (w) {
      // Exited and waiting to be restarted (back-off, or the new one could not be made).
      status.state = { waiting: w };
      status.lastState = terminatedState(cur);
    } else {
      status.state = terminatedState(cur);
      status.lastState = previous;
    }
    if (status.state.waiting && status.state.waiting.message === undefined) delete status.state.waiting.message;
    return status;
  });
}

/** Upstream's getPhase: init containers first (pending or failed initialization), then the app containers. */
export function podPhase(
  pod: Pod,
  statuses: ContainerStatus[],
  initStatuses: ContainerStatus[] = [],
): NonNullable<PodStatus['phase']> {
  if (isTerminalPhase(pod.status?.phase)) return pod.status!.phase!;
  const { pending, failed } = initCounts(pod, initStatuses);
  if (failed > 0 && pod.spec.restartPolicy === 'Never') return 'Failed';
  if (pending > 0 && !statuses.some((s) => s.state.running || s.state.terminated || s.lastState.terminated))
    return 'Pending';
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState.terminated) stopped++;
      else waiting++;
    }
  }
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (statuses.length === 0 || waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(
  old: PodCondition[] | undefined,
  now: number,
  type: string,
  ok: boolean,
  reason?: string,
  message?: string,
): PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = old?.find((c) => c.type === type);
  const c: PodCondition = {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime:
      prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
  };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

const MANAGED = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);

export function podConditions(
  pod: Pod,
  phase: string,
  statuses: ContainerStatus[],
  sandboxReady: boolean,
  now: number,
  initStatuses: ContainerStatus[] = [],
): PodCondition[] {
  const old = pod.status?.conditions;
  const incomplete = incompleteInits(pod, initStatuses);
  const initialized = incomplete.length === 0;
  const terminal = isTerminalPhase(phase);
  const unready = [...initStatuses.filter((s) => isSidecarName(pod, s.name)), ...statuses]
    .filter((s) => !s.ready)
    .map((s) => s.name);
  const ready = !terminal && unready.length === 0;
  const notReadyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const notReadyMessage = terminal ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  const out: PodCondition[] = [
    condition(old, now, 'PodReadyToStartContainers', sandboxReady && !terminal),
    initialized
      ? condition(old, now, 'Initialized', true, terminal && phase === 'Succeeded' ? 'PodCompleted' : undefined)
      : condition(
          old,
          now,
          'Initialized',
          false,
          'ContainersNotInitialized',
          `containers with incomplete status: [${incomplete.join(' ')}]`,
        ),
    ready ? condition(old, now, 'Ready', true) : condition(old, now, 'Ready', false, notReadyReason, notReadyMessage),
    ready
      ? condition(old, now, 'ContainersReady', true)
      : condition(old, now, 'ContainersReady', false, notReadyReason, notReadyMessage),
  ];
  const scheduled = old?.find((c) => c.type === 'PodScheduled');
  out.push(scheduled ?? condition(old, now, 'PodScheduled', true));
  for (const c of old ?? []) if (!MANAGED.has(c.type)) out.push(c);
  return out;
}

export function computePodStatus(input: StatusInput): PodStatus {
  const { pod, containers, now } = input;
  const old = pod.status ?? {};
  const inits = pod.spec.initContainers ?? [];
  const initStatuses = inits.length > 0 ? initContainerStatuses(pod, containers, input.waiting, input.probes) : [];
  const initDone = incompleteInits(pod, initStatuses).length === 0;
  const statuses = containerStatuses(
    pod,
    containers,
    input.waiting,
    input.probes,
    pod.spec.containers,
    initDone ? 'ContainerCreating' : 'PodInitializing',
  );
  const phase = podPhase(pod, statuses, initStatuses);
  const sandbox = runningSandbox(containers);
  const sandboxIP = sandbox?.networks[input.network];
  const status: PodStatus = {
    phase,
    conditions: podConditions(pod, phase, statuses, sandboxIP !== undefined, now, initStatuses),
  };
  if (old.reason) status.reason = old.reason;
  if (old.message) status.message = old.message;
  if (input.hostIP) {
    status.hostIP = input.hostIP;
    status.hostIPs = [{ ip: input.hostIP }];
  }
  // A finished pod keeps the address it had; a pod between sandboxes has none.
  const podIP = sandboxIP ?? (isTerminalPhase(phase) ? old.podIP : undefined);
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  status.startTime = old.startTime ?? rfc3339(now);
  if (inits.length > 0) status.initContainerStatuses = initStatuses;
  status.containerStatuses = statuses;
  status.qosClass = old.qosClass ?? qosClass(pod);
  return status;
}

/** Semantic equality of two statuses (key order, null and empty fields do not matter). */
export function sameStatus(a: PodStatus | undefined, b: PodStatus | undefined): boolean {
  return JSON.stringify(canonical(a ?? {})) === JSON.stringify(canonical(b ?? {}));
}
