/**
 * The pod table, with upstream's STATUS logic (kubernetes pkg/printers/internalversion printPod):
 * phase, overridden by status.reason, then by init container progress (`Init:0/2`,
 * `Init:CrashLoopBackOff`, `Init:ExitCode:1`), then by container waiting/terminated reasons
 * (`ContainerCreating`, `CrashLoopBackOff`, `Completed`, `Error`, `ExitCode:3`), and finally
 * `Terminating` when a deletion is under way.
 */
import { humanAge, type KubeObject } from '@kubelab/api';
import { AGE_COLUMN, col, NAME_COLUMN, type Printer, type TableRowCondition } from './types.js';
import { age, int, list, nameOf, obj, str } from './format.js';

type Json = Record<string, unknown>;

interface ContainerStatusView {
  name: string;
  ready: boolean;
  restartCount: number;
  started?: boolean;
  state: Json;
  lastState: Json;
}

function statuses(v: unknown): ContainerStatusView[] {
  return list(v).map((c) => ({
    name: str(c['name']),
    ready: c['ready'] === true,
    restartCount: int(c['restartCount']),
    started: typeof c['started'] === 'boolean' ? c['started'] : undefined,
    state: obj(c['state']),
    lastState: obj(c['lastState']),
  }));
}

function terminated(state: Json): Json | undefined {
  return state['terminated'] ? obj(state['terminated']) : undefined;
}

function waiting(state: Json): Json | undefined {
  return state['waiting'] ? obj(state['waiting']) : undefined;
}

function exitReason(t: Json, prefix: string): string {
  const signal = int(t['signal']);
  return signal !== 0 ? `${prefix}Signal:${signal}` : `${prefix}ExitCode:${int(t['exitCode'])}`;
}

function finishedAt(state: Json): number {
  const t = terminated(state);
  const at = t ? Date.parse(str(t['finishedAt'])) : NaN;
  return Number.isFinite(at) ? at : 0;
}

function conditionTrue(conditions: Json[], type: string): boolean {
  return conditions.some((c) => c['type'] === type && c['status'] === 'True');
}

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

/** READY, STATUS and RESTARTS of a pod, as upstream computes them. */
export function podSummary(pod: KubeObject, now: number): PodSummary {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const conditions = list(status['conditions']);
  const initSpecs = list(spec['initContainers']);
  const restartableInit = new Set(initSpecs.filter((c) => c['restartPolicy'] === 'Always').map((c) => str(c['name'])));

  let total = list(spec['containers']).length + restartableInit.size;
  let readyCount = 0;
  let restarts = 0;
  let lastRestart = 0;
  let sidecarRestarts = 0;
  let lastSidecarRestart = 0;

  const phase = str(status['phase']);
  let reason = str(status['reason']) || phase;
  if (conditions.some((c) => c['type'] === 'PodScheduled' && c['reason'] === 'SchedulingGated'))
    reason = 'SchedulingGated';

  let initializing = false;
  const initStatuses = statuses(status['initContainerStatuses']);
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    restarts += c.restartCount;
    lastRestart = Math.max(lastRestart, finishedAt(c.lastState));
    const sidecar = restartableInit.has(c.name);
    if (sidecar) {
      sidecarRestarts += c.restartCount;
      lastSidecarRestart = Math.max(lastSidecarRestart, finishedAt(c.lastState));
    }
    const t = terminated(c.state);
    const w = waiting(c.state);
    if (t && int(t['exitCode']) === 0) continue;
    if (sidecar && c.started === true) {
      if (c.ready) readyCount++;
      continue;
    }
    if (t) reason = str(t['reason']) ? `Init:${str(t['reason'])}` : exitReason(t, 'Init:');
    else if (w && str(w['reason']) && w['reason'] !== 'PodInitializing') reason = `Init:${str(w['reason'])}`;
    else reason = `Init:${i}/${initSpecs.length}`;
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(conditions, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const cs = statuses(status['containerStatuses']);
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i]!;
      restarts += c.restartCount;
      lastRestart = Math.max(lastRestart, finishedAt(c.lastState));
      const w = waiting(c.state);
      const t = terminated(c.state);
      if (w && str(w['reason'])) reason = str(w['reason']);
      else if (t && str(t['reason'])) reason = str(t['reason']);
      else if (t) reason = exitReason(t, '');
      else if (c.ready && c.state['running']) {
        hasRunning = true;
        readyCount++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = conditionTrue(conditions, 'Ready') ? 'Running' : 'NotReady';
  }

  const deleting = Boolean(pod.metadata.deletionTimestamp);
  if (deleting && status['reason'] === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestart > 0)
    restartsStr = `${restarts} (${humanAge(new Date(lastRestart).toISOString(), now)} ago)`;
  total = Math.max(total, 0);
  return { ready: `${readyCount}/${total}`, status: reason, restarts: restartsStr };
}

function readinessGates(pod: KubeObject): string {
  const gates = list(obj(pod.spec)['readinessGates']);
  if (gates.length === 0) return '<none>';
  const conditions = list(obj(pod.status)['conditions']);
  const ok = gates.filter(
    (g) => conditions.find((c) => c['type'] === g['conditionType'])?.['status'] === 'True',
  ).length;
  return `${ok}/${gates.length}`;
}

export const podPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    col(
      'Restarts',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    AGE_COLUMN,
    col('IP', 'IP address allocated to the pod. Routable at least within the cluster.', { priority: 1 }),
    col('Node', 'NodeName is a request to schedule this pod onto a specific node.', { priority: 1 }),
    col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', {
      priority: 1,
    }),
    col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', { priority: 1 }),
  ],
  cells(pod, now) {
    const s = podSummary(pod, now);
    const status = obj(pod.status);
    const ip = str(obj(list(status['podIPs'])[0])['ip']) || str(status['podIP']) || '<none>';
    const node = str(obj(pod.spec)['nodeName']) || '<none>';
    const nominated = str(status['nominatedNodeName']) || '<none>';
    return [nameOf(pod), s.ready, s.status, s.restarts, age(pod, now), ip, node, nominated, readinessGates(pod)];
  },
  conditions(pod): TableRowCondition[] | undefined {
    const phase = obj(pod.status)['phase'];
    if (phase === 'Succeeded')
      return [
        { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
      ];
    if (phase === 'Failed')
      return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    return undefined;
  },
};
