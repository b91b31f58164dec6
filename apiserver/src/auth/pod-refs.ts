/**
 * What a pod refers to by name: the Secrets, ConfigMaps and PersistentVolumeClaims the kubelet
 * must read to run it (volumes, projected sources, env and envFrom, image pull secrets, generic
 * ephemeral volumes' claims). The edges of upstream's node authorizer graph, read from one pod.
 */
import type { KubeObject } from '@kubelab/api';

export type PodRefKind = 'secrets' | 'configmaps' | 'persistentvolumeclaims';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function containerRefs(c: Json, out: Record<PodRefKind, Set<string>>): void {
  for (const e of arr(c['env'])) {
    const from = obj(e['valueFrom']);
    const s = str(obj(from['secretKeyRef'])['name']);
    if (s) out.secrets.add(s);
    const m = str(obj(from['configMapKeyRef'])['name']);
    if (m) out.configmaps.add(m);
  }
  for (const e of arr(c['envFrom'])) {
    const s = str(obj(e['secretRef'])['name']);
    if (s) out.secrets.add(s);
    const m = str(obj(e['configMapRef'])['name']);
    if (m) out.configmaps.add(m);
  }
}

function volumeRefs(podName: string, v: Json, out: Record<PodRefKind, Set<string>>): void {
  const s = str(obj(v['secret'])['secretName']);
  if (s) out.secrets.add(s);
  const m = str(obj(v['configMap'])['name']);
  if (m) out.configmaps.add(m);
  for (const src of arr(obj(v['projected'])['sources'])) {
    const ps = str(obj(src['secret'])['name']);
    if (ps) out.secrets.add(ps);
    const pm = str(obj(src['configMap'])['name']);
    if (pm) out.configmaps.add(pm);
  }
  const claim = str(obj(v['persistentVolumeClaim'])['claimName']);
  if (claim) out.persistentvolumeclaims.add(claim);
  if (v['ephemeral'] !== undefined && str(v['name']))
    out.persistentvolumeclaims.add(`${podName}-${v['name'] as string}`);
  for (const ref of ['csi', 'cephfs', 'rbd', 'iscsi', 'azureFile', 'scaleIO', 'storageos', 'flexVolume']) {
    const vs = obj(v[ref]);
    const n = str(obj(vs['nodePublishSecretRef'] ?? vs['secretRef'])['name']) ?? str(vs['secretName']);
    if (n) out.secrets.add(n);
  }
}

/** The names of each kind the pod refers to. */
export function podReferences(pod: KubeObject): Record<PodRefKind, Set<string>> {
  const out: Record<PodRefKind, Set<string>> = {
    secrets: new Set(),
    configmaps: new Set(),
    persistentvolumeclaims: new Set(),
  };
  const spec = obj(pod.spec);
  for (const s of arr(spec['imagePullSecrets'])) {
    const n = str(s['name']);
    if (n) out.secrets.add(n);
  }
  for (const key of ['containers', 'initContainers', 'ephemeralContainers'])
    for (const c of arr(spec[key])) containerRefs(c, out);
  for (const v of arr(spec['volumes'])) volumeRefs(pod.metadata?.name ?? '', v, out);
  return out;
}
