/** Pure parts of the DaemonSet controller: which nodes run a daemon pod, and the pod for a node. */
import { podTemplateHash, type DaemonSet, type Node, type Pod } from '@kubelab/api';
import { podFromTemplate } from '../util/owned.js';

export const REVISION_LABEL = 'controller-revision-hash';
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}
interface Taint {
  key: string;
  value?: string;
  effect: string;
}

/** The tolerations upstream's DaemonSet controller adds to every daemon pod. */
export const DAEMON_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

export function isNodeReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** A node runs a daemon pod when it is Ready, schedulable, matches nodeSelector and its taints are tolerated. */
export function shouldRunOn(ds: DaemonSet, node: Node): boolean {
  if (!isNodeReady(node) || node.spec?.unschedulable) return false;
  const spec = ds.spec.template.spec;
  const selector = (spec['nodeSelector'] as Record<string, string> | undefined) ?? {};
  const labels = node.metadata.labels ?? {};
  if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return false;
  const tolerations = [...((spec['tolerations'] as Toleration[] | undefined) ?? []), ...DAEMON_TOLERATIONS];
  for (const taint of (node.spec?.taints as Taint[] | undefined) ?? []) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerations.some((t) => tolerates(t, taint))) return false;
  }
  return true;
}

export function templateHash(ds: DaemonSet): string {
  return podTemplateHash(ds.spec.template);
}

/** The node a daemon pod is for: spec.nodeName, else its required matchFields metadata.name. */
export function targetNode(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  const terms = (
    pod.spec['affinity'] as
      | {
          nodeAffinity?: {
            requiredDuringSchedulingIgnoredDuringExecution?: {
              nodeSelectorTerms?: { matchFields?: { key: string; values?: string[] }[] }[];
            };
          };
        }
      | undefined
  )?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  for (const t of terms ?? [])
    for (const f of t.matchFields ?? []) if (f.key === 'metadata.name' && f.values?.length === 1) return f.values[0];
  return undefined;
}

/** The daemon pod for a node: node affinity on metadata.name (the scheduler binds it), daemon tolerations. */
export function daemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const pod = podFromTemplate(
    ds,
    'apps/v1',
    'DaemonSet',
    ds.spec.template,
    { generateName: `${ds.metadata.name ?? ''}-` },
    {
      [REVISION_LABEL]: hash,
      [TEMPLATE_GENERATION_LABEL]: String(ds.metadata.generation ?? 1),
    },
  );
  const affinity = { ...((pod.spec['affinity'] as Record<string, unknown> | undefined) ?? {}) };
  const nodeAffinity = { ...((affinity['nodeAffinity'] as Record<string, unknown> | undefined) ?? {}) };
  nodeAffinity['requiredDuringSchedulingIgnoredDuringExecution'] = {
    nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
  };
  affinity['nodeAffinity'] = nodeAffinity;
  pod.spec['affinity'] = affinity;
  const tolerations = [...((pod.spec['tolerations'] as Toleration[] | undefined) ?? [])];
  for (const t of DAEMON_TOLERATIONS)
    if (!tolerations.some((x) => x.key === t.key && x.effect === t.effect)) tolerations.push(t);
  pod.spec['tolerations'] = tolerations;
  return pod;
}
