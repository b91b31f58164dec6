/** Object builders and small steps shared by the controller tests. */
import pino from 'pino';
import { rfc3339, type Deployment, type Pod, type PodTemplateSpec, type ReplicaSet } from '@kubelab/api';
import type { InProcessApi } from '@kubelab/apiserver/testing';

export const silentLog = pino({ level: 'silent' });

export function template(
  labels: Record<string, string>,
  image = 'nginx:1.25',
  extra: Partial<PodTemplateSpec['spec']> = {},
): PodTemplateSpec {
  return { metadata: { labels }, spec: { containers: [{ name: 'app', image }], ...extra } };
}

export function replicaSet(
  name: string,
  replicas: number,
  labels: Record<string, string> = { app: name },
  extra: Partial<ReplicaSet['spec']> = {},
): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', labels: { ...labels } },
    spec: { replicas, selector: { matchLabels: labels }, template: template(labels), ...extra },
  };
}

export function deployment(
  name: string,
  replicas: number,
  extra: Partial<Deployment['spec']> = {},
  labels: Record<string, string> = { app: name },
): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: { replicas, selector: { matchLabels: labels }, template: template(labels), ...extra },
  };
}

export function pod(name: string, labels: Record<string, string>, extra: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...extra },
  };
}

/** What a kubelet would report for a running, ready pod (ready since `sinceMs`). */
export function readyStatus(ip: string, sinceMs: number, ready = true): Pod['status'] {
  return {
    phase: 'Running',
    podIP: ip,
    podIPs: [{ ip }],
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: rfc3339(sinceMs) }],
  };
}

let ipSeq = 10;

/** Marks every pod without a Ready=True condition ready (a fake kubelet pass); returns how many. */
export async function makePodsReady(api: InProcessApi, filter: (p: Pod) => boolean = () => true): Promise<number> {
  let n = 0;
  for (const p of api.objects<Pod>('pods')) {
    if (p.metadata.deletionTimestamp) continue;
    if (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
    if (!filter(p)) continue;
    const ip = p.status?.podIP ?? `10.244.0.${ipSeq++ % 250}`;
    await api.updateStatus('pods', { ...p, status: readyStatus(ip, api.clock.now()) });
    n++;
  }
  return n;
}
