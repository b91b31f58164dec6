/**
 * The ServiceAccount admission plugin (upstream's plugin/pkg/admission/serviceaccount), on pod
 * creation: `spec.serviceAccountName` defaults to `default`; the ServiceAccount must exist (a
 * missing `default` one, in a namespace made a moment ago, is waited for briefly); unless the pod
 * or its ServiceAccount sets `automountServiceAccountToken: false`, the pod gets the projected
 * volume `kube-api-access-<5 random>` (a bound token of 3607 s, the kube-root-ca.crt ConfigMap's
 * ca.crt, the namespace) mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount in
 * every container that mounts nothing there yet; a pod without imagePullSecrets gets the
 * ServiceAccount's. Mirror pods are left alone.
 */
import { randomInt } from 'node:crypto';
import type { KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { AdmissionPlugin, AdmissionRequest } from '../auth/admission.js';
import { forbiddenFor } from '../auth/attributes.js';
import { cloneJson } from '../registry/clone.js';

export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const API_ACCESS_PREFIX = 'kube-api-access-';
const MIRROR = 'kubernetes.io/config.mirror';
/** upstream's utilrand alphabet (no vowels, no confusable characters). */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

type Json = Record<string, unknown>;
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

export function apiAccessVolume(name: string): Json {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
          },
        },
      ],
    },
  };
}

const randomSuffix = (): string => Array.from({ length: 5 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

async function findServiceAccount(
  req: AdmissionRequest,
  ns: string,
  name: string,
  waitMs: number,
): Promise<KubeObject> {
  const deadline = Date.now() + (name === 'default' ? waitMs : 0);
  for (;;) {
    try {
      // As upstream's, from the watch cache (its informer), else storage; only read.
      return await req.registry.get('serviceaccounts', ns, name, { listed: true, shared: true });
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
      if (Date.now() >= deadline)
        throw forbiddenFor(
          '',
          'pods',
          req.name,
          `error looking up service account ${ns}/${name}: serviceaccount "${name}" not found`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function mountToken(spec: Json, volume: string): void {
  for (const key of ['initContainers', 'containers']) {
    for (const c of arr(spec[key])) {
      const mounts = arr(c['volumeMounts']);
      if (mounts.some((m) => m['mountPath'] === TOKEN_MOUNT_PATH)) continue;
      c['volumeMounts'] = [...mounts, { name: volume, readOnly: true, mountPath: TOKEN_MOUNT_PATH }];
    }
  }
}

/** The plugin; waitMs bounds the wait for a `default` ServiceAccount not made yet. */
export function serviceAccountAdmission(waitMs = 3000): AdmissionPlugin {
  return {
    async admit(req) {
      if (req.resource !== 'pods' || req.operation !== 'CREATE' || req.subresource !== '' || !req.object)
        return undefined;
      const pod = cloneJson(req.object);
      if (pod.metadata.annotations?.[MIRROR] !== undefined) return undefined;
      const spec = (pod.spec ?? {}) as Json;
      pod.spec = spec;
      const name =
        (typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName']) ||
        (typeof spec['serviceAccount'] === 'string' && spec['serviceAccount']) ||
        'default';
      spec['serviceAccountName'] = name;
      spec['serviceAccount'] = name;
      const sa = await findServiceAccount(req, req.namespace, name, waitMs);
      // A pod without imagePullSecrets gets its ServiceAccount's, as upstream.
      const pullSecrets = arr((sa as Json)['imagePullSecrets']);
      if (arr(spec['imagePullSecrets']).length === 0 && pullSecrets.length)
        spec['imagePullSecrets'] = pullSecrets.map((s) => ({ name: s['name'] }));
      const automount = spec['automountServiceAccountToken'] ?? (sa as Json)['automountServiceAccountToken'];
      if (automount === false) return pod;
      const volumes = arr(spec['volumes']);
      const existing = volumes.find((v) => typeof v['name'] === 'string' && v['name'].startsWith(API_ACCESS_PREFIX));
      const volume = (existing?.['name'] as string | undefined) ?? `${API_ACCESS_PREFIX}${randomSuffix()}`;
      if (!existing) spec['volumes'] = [...volumes, apiAccessVolume(volume)];
      mountToken(spec, volume);
      return pod;
    },
  };
}
