/**
 * What the Docker create options of a pod's containers share: upstream dockershim's names
 * (k8s_<container>_<pod>_<namespace>_<uid>_<attempt>), the labels that find them again, and
 * the log driver. The sandbox's options are in sandboxspec.ts, an app container's in
 * containerspec.ts. Pure, so unit-tested directly.
 */
import { gracePeriodOf } from '../podspec.js';
import type { Pod } from '@kubelab/api';
import { LABELS } from './runtime.js';

export interface Placement {
  cluster: string;
  node: string;
}

export function shortUid(uid: string | undefined): string {
  return (uid ?? '').replace(/-/g, '').slice(0, 8);
}

/** k8s_<container>_<pod>_<namespace>_<uid8>_<restart>, like upstream's dockershim names. */
export function dockerName(pod: Pod, containerName: string, restartCount: number): string {
  const m = pod.metadata;
  return `k8s_${containerName}_${m.name ?? ''}_${m.namespace ?? 'default'}_${shortUid(m.uid)}_${restartCount}`;
}

export function podLabels(
  pod: Pod,
  where: Placement,
  containerName: string,
  restartCount: number,
): Record<string, string> {
  return {
    [LABELS.cluster]: where.cluster,
    [LABELS.node]: where.node,
    [LABELS.podUid]: pod.metadata.uid ?? '',
    [LABELS.podNamespace]: pod.metadata.namespace ?? 'default',
    [LABELS.podName]: pod.metadata.name ?? '',
    [LABELS.containerName]: containerName,
    [LABELS.restartCount]: String(restartCount),
    [LABELS.gracePeriod]: String(gracePeriodOf(pod)),
  };
}

/** Every container's log: json-file, rotated, so that `kubectl logs` can read it back. */
export const LOG_CONFIG = { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } };
