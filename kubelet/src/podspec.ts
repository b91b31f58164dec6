/**
 * What a pod's spec says, with upstream's defaults filled in: the grace period, a container's
 * pull policy, the pod's hostname, and the hash that tells a changed container spec. Runtime-
 * neutral: pod-level code and the runtimes read them from here.
 */
import { createHash } from 'node:crypto';
import { canonical, defaultPullPolicy, type Container, type Pod } from '@kubelab/api';
import type { PullPolicy } from './runtime/runtime.js';

export function gracePeriodOf(pod: Pod): number {
  const g = pod.spec.terminationGracePeriodSeconds;
  return typeof g === 'number' && g >= 0 ? g : 30;
}

/** A stable hash of the container spec: a change (e.g. a new image) means the container is replaced. */
export function containerHash(c: Container): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(c)))
    .digest('hex')
    .slice(0, 16);
}

/** spec.hostname, else the pod name, cut to a DNS label. */
export function podHostname(pod: Pod): string {
  const h = (pod.spec.hostname || pod.metadata.name || 'pod').toLowerCase();
  return h.slice(0, 63).replace(/[-.]+$/, '') || 'pod';
}

export function pullPolicyOf(c: Container): PullPolicy {
  const p = c.imagePullPolicy;
  return p === 'Always' || p === 'IfNotPresent' || p === 'Never' ? p : defaultPullPolicy(c.image);
}
