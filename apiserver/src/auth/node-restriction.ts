/**
 * Upstream's NodeRestriction admission plugin (plugin/pkg/admission/noderestriction), what the lab
 * needs of it: a node writes only its own Node (and may not set or change labels that steer
 * workloads: kubernetes.io/k8s.io namespaces outside the kubelet's own, node-restriction.
 * kubernetes.io/ above all; nor remove or change its taints), only the status of pods bound to it, deletes only
 * pods bound to it, creates only mirror pods of its own, touches only its own Lease, and (lab)
 * updates only PersistentVolumes of its node or of a node that is gone.
 */
import type { KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { forbiddenFor } from './attributes.js';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';
import { NODE_LEASE_NAMESPACE } from './node-rules.js';
import { nodeNameOf } from './user.js';

const MIRROR = 'kubernetes.io/config.mirror';
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/arch',
  'kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
]);
const KUBELET_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];
const within = (ns: string, domain: string): boolean => ns === domain || ns.endsWith(`.${domain}`);

/** Labels a node may not set on itself (upstream's getForbiddenLabels). */
export function forbiddenNodeLabel(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const ns = key.slice(0, slash);
  if (within(ns, 'node-restriction.kubernetes.io')) return true;
  if (!within(ns, 'kubernetes.io') && !within(ns, 'k8s.io')) return false;
  return !KUBELET_LABELS.has(key) && !KUBELET_NAMESPACES.some((d) => within(ns, d));
}

function changedLabels(now: Record<string, string> = {}, before: Record<string, string> = {}): string[] {
  const keys = new Set([...Object.keys(now), ...Object.keys(before)]);
  return [...keys].filter((k) => now[k] !== before[k]).sort();
}

const nodeOf = (o: KubeObject | undefined): string | undefined =>
  (o?.spec as { nodeName?: string } | undefined)?.nodeName;

async function admitPod(node: string, r: AdmissionRequest): Promise<void> {
  const deny = (why: string): never => {
    throw forbiddenFor('', 'pods', r.name, why);
  };
  if (r.operation === 'CREATE') {
    if (r.object?.metadata?.annotations?.[MIRROR] === undefined)
      deny(`pod does not have "${MIRROR}" annotation, node "${node}" can only create mirror pods`);
    if (nodeOf(r.object) !== node) deny(`node "${node}" can only create pods with spec.nodeName set to itself`);
    return;
  }
  const old = await r.oldObject();
  if (!old) return; // the write itself answers NotFound
  if (r.operation === 'DELETE' && nodeOf(old) !== node)
    deny(`node "${node}" can only delete pods with spec.nodeName set to itself`);
  if (r.operation === 'UPDATE' && r.subresource === 'status' && nodeOf(old) !== node)
    deny(`node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
  if (r.operation === 'UPDATE' && r.subresource === '') deny(`node "${node}" can only update pod status`);
}

async function admitNode(node: string, r: AdmissionRequest): Promise<void> {
  const deny = (why: string): never => {
    throw forbiddenFor('', 'nodes', r.name, why);
  };
  if (r.name !== node) deny(`node "${node}" is not allowed to modify node "${r.name}"`);
  if (r.operation === 'CREATE') {
    const bad = Object.keys(r.object?.metadata?.labels ?? {})
      .filter(forbiddenNodeLabel)
      .sort();
    if (bad.length) deny(`node "${node}" is not allowed to set the following labels: ${bad.join(', ')}`);
    return;
  }
  if (r.operation !== 'UPDATE' || r.subresource !== '') return;
  const old = await r.oldObject();
  if (!old) return;
  const bad = changedLabels(r.object?.metadata?.labels, old.metadata?.labels).filter(forbiddenNodeLabel);
  if (bad.length) deny(`node "${node}" is not allowed to modify labels: ${bad.join(', ')}`);
  // Upstream refuses any taint change; the lab lets a node add taints (its registration taints on a
  // Node kept from an earlier kubelet: they only repel pods), never remove or change one.
  const taints = (o: KubeObject | undefined): string[] =>
    (((o?.spec as { taints?: unknown[] } | undefined)?.taints ?? []) as unknown[]).map((t) => JSON.stringify(t));
  const now = new Set(taints(r.object));
  if (taints(old).some((t) => !now.has(t))) deny(`node "${node}" is not allowed to modify taints`);
}

function admitLease(node: string, r: AdmissionRequest): void {
  const deny = (why: string): never => {
    throw forbiddenFor('coordination.k8s.io', 'leases', r.name, why);
  };
  if (r.namespace !== NODE_LEASE_NAMESPACE) deny(`can only access leases in the ${NODE_LEASE_NAMESPACE} namespace`);
  if (r.name !== node) deny('can only access node lease with the same name as the requesting node');
}

async function admitVolume(node: string, r: AdmissionRequest): Promise<void> {
  if (r.operation !== 'UPDATE') return;
  const old = await r.oldObject();
  const owner = (old?.spec as { csi?: { volumeAttributes?: Record<string, string> } } | undefined)?.csi
    ?.volumeAttributes?.['node'];
  if (!old || !owner || owner === node) return;
  try {
    await r.registry.get('nodes', '', owner);
  } catch (err) {
    if (err instanceof ApiError && err.reason === 'NotFound') return;
    throw err;
  }
  throw forbiddenFor(
    '',
    'persistentvolumes',
    r.name,
    `node "${node}" can only update persistent volumes of its own node or of a node that no longer exists`,
  );
}

export const nodeRestriction: AdmissionPlugin = {
  async admit(r) {
    const node = nodeNameOf(r.user);
    if (!node) return undefined;
    switch (r.resource) {
      case 'pods':
        await admitPod(node, r);
        break;
      case 'nodes':
        await admitNode(node, r);
        break;
      case 'leases':
        admitLease(node, r);
        break;
      case 'persistentvolumes':
        await admitVolume(node, r);
        break;
      default:
        break;
    }
    return undefined;
  },
};
