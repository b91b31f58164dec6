/**
 * Test support for the scheduler: object builders, and what the scheduler wrote to the
 * in-process apiserver (@kubelab/apiserver/testing) read back from its call log.
 */
import pino from 'pino';
import type { InProcessApi } from '@kubelab/apiserver/testing';
import type { Node, Pod } from '@kubelab/api';

export const silentLog = pino({ level: 'silent' });

export interface Bind {
  namespace: string;
  name: string;
  node: string;
  uid: string;
}

/** The binds the scheduler sent, in order (refused ones included). */
export function binds(api: InProcessApi): Bind[] {
  return api.calls
    .filter((c) => c.verb === 'bind')
    .map((c) => {
      const b = c.object as unknown as { metadata: { uid: string }; target: { name: string } };
      return { namespace: c.namespace, name: c.name, node: b.target.name, uid: b.metadata.uid };
    });
}

/** The names of the pods bound to a node now, sorted. */
export function boundPods(api: InProcessApi): string[] {
  return api
    .objects<Pod>('pods')
    .filter((p) => p.spec.nodeName)
    .map((p) => p.metadata.name ?? '');
}

/** How many pods each node holds now. */
export function placements(api: InProcessApi): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of api.objects<Pod>('pods')) if (p.spec.nodeName) out[p.spec.nodeName] = (out[p.spec.nodeName] ?? 0) + 1;
  return out;
}

/** The pod status writes the scheduler sent, in order. */
export function statusWrites(api: InProcessApi): Pod[] {
  return api.calls.filter((c) => c.verb === 'updateStatus' && c.resource === 'pods').map((c) => c.object as Pod);
}

export function node(
  name: string,
  opts: {
    ready?: 'True' | 'False' | 'Unknown' | null;
    unschedulable?: boolean;
    labels?: Record<string, string>;
    allocatable?: Record<string, string>;
    taints?: unknown[];
  } = {},
): Node {
  const n: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } },
    spec: {},
    status: {},
  };
  if (opts.unschedulable) n.spec!.unschedulable = true;
  if (opts.taints) n.spec!.taints = opts.taints;
  const ready = opts.ready === undefined ? 'True' : opts.ready;
  if (ready !== null) n.status!.conditions = [{ type: 'Ready', status: ready }];
  n.status!.allocatable = opts.allocatable ?? { cpu: '2', memory: '4Gi', pods: '110' };
  return n;
}

let uidSeq = 0;

export function pod(name: string, extra: Partial<Pod['spec']> = {}, owner?: string): Pod {
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}-${++uidSeq}` },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...extra },
  };
  if (owner)
    p.metadata.ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: `rs-${owner}`, controller: true },
    ];
  return p;
}

export function withRequests(p: Pod, cpu?: string, memory?: string): Pod {
  const requests: Record<string, string> = {};
  if (cpu) requests.cpu = cpu;
  if (memory) requests.memory = memory;
  p.spec.containers[0]!.resources = { requests };
  return p;
}
