/**
 * A StatefulSet pod's identity and storage, as upstream's stateful_set_utils defines them: the
 * pod `<set>-<ordinal>` with hostname, subdomain (spec.serviceName) and identity labels, and per
 * volumeClaimTemplate the claim `<template>-<set>-<ordinal>` (template labels plus the set's
 * selector labels), mounted in place of a pod volume of the same name. Pure.
 */
import type { KubeObject, PersistentVolumeClaim, Pod, StatefulSet } from '@kubelab/api';
import { podFromTemplate } from '../util/owned.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_LABEL = 'controller-revision-hash';

export function startOrdinal(sts: StatefulSet): number {
  return sts.spec.ordinals?.start ?? 0;
}

/** The ordinal of a pod named `<set>-<n>`, or undefined. */
export function ordinalOf(sts: StatefulSet, pod: KubeObject): number | undefined {
  const prefix = `${sts.metadata.name ?? ''}-`;
  const name = pod.metadata.name ?? '';
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

export function podName(sts: StatefulSet, ordinal: number): string {
  return `${sts.metadata.name ?? ''}-${ordinal}`;
}

export function claimName(sts: StatefulSet, template: PersistentVolumeClaim, ordinal: number): string {
  return `${template.metadata.name ?? ''}-${podName(sts, ordinal)}`;
}

/** The claims the pod of `ordinal` needs, keyed by volume (template) name; ownerless. */
export function claimsFor(sts: StatefulSet, ordinal: number): Map<string, PersistentVolumeClaim> {
  const out = new Map<string, PersistentVolumeClaim>();
  for (const t of sts.spec.volumeClaimTemplates ?? []) {
    const claim = structuredClone(t);
    claim.apiVersion = 'v1';
    claim.kind = 'PersistentVolumeClaim';
    claim.metadata = {
      ...(t.metadata.labels || sts.spec.selector.matchLabels
        ? { labels: { ...(t.metadata.labels ?? {}), ...(sts.spec.selector.matchLabels ?? {}) } }
        : {}),
      ...(t.metadata.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      name: claimName(sts, t, ordinal),
      namespace: sts.metadata.namespace ?? 'default',
    };
    delete claim.status;
    out.set(t.metadata.name ?? '', claim);
  }
  return out;
}

/** The pod of `ordinal` from `sts`'s template (use the revision's set for old revisions). */
export function statefulPod(sts: StatefulSet, ordinal: number, revision: string): Pod {
  const name = podName(sts, ordinal);
  const pod = podFromTemplate(
    sts,
    'apps/v1',
    'StatefulSet',
    sts.spec.template,
    { name },
    { [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: revision },
  );
  pod.spec.hostname = name;
  if (sts.spec.serviceName) pod.spec['subdomain'] = sts.spec.serviceName;
  const claims = claimsFor(sts, ordinal);
  if (claims.size > 0) {
    const volumes = ((pod.spec['volumes'] as { name: string }[] | undefined) ?? []).filter((v) => !claims.has(v.name));
    for (const [volume, claim] of claims)
      volumes.push({ name: volume, persistentVolumeClaim: { claimName: claim.metadata.name ?? '' } } as {
        name: string;
      });
    pod.spec['volumes'] = volumes;
  }
  return pod;
}

/** Name, namespace and identity labels as the set says (upstream's identityMatches). */
export function identityMatches(sts: StatefulSet, pod: Pod): boolean {
  const ordinal = ordinalOf(sts, pod);
  if (ordinal === undefined) return false;
  const l = pod.metadata.labels ?? {};
  return (
    pod.metadata.namespace === sts.metadata.namespace &&
    l[POD_NAME_LABEL] === pod.metadata.name &&
    l[POD_INDEX_LABEL] === String(ordinal)
  );
}

export function revisionOf(pod: Pod): string {
  return pod.metadata.labels?.[REVISION_LABEL] ?? '';
}
