/**
 * Container resources as the kubelet reads them (quantities parsed by @kubelab/api/quantity), and
 * the pod QoS class upstream derives from them (requests and limits compared by value).
 */
import type { Pod } from '@kubelab/api';
import { tryParseQuantity } from '@kubelab/api/quantity';

/** Parses a quantity; undefined when it is not one. */
export function parseQuantity(q: string | number | undefined): number | undefined {
  return tryParseQuantity(q);
}

export interface ResourceRequirements {
  limits?: Record<string, string | number>;
  requests?: Record<string, string | number>;
}

export function resourcesOf(c: { resources?: unknown }): ResourceRequirements {
  const r = c.resources;
  return r && typeof r === 'object' ? (r as ResourceRequirements) : {};
}

const QOS_RESOURCES = ['cpu', 'memory'] as const;

/** Upstream's rules: Guaranteed when every container limits cpu and memory with requests equal to limits; BestEffort when nothing is set. */
export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const { limits = {}, requests = {} } = resourcesOf(c);
    for (const name of QOS_RESOURCES) {
      const lim = parseQuantity(limits[name]);
      // A request defaults to the limit when only the limit is given.
      const req = parseQuantity(requests[name]) ?? lim;
      if ((lim !== undefined && lim !== 0) || (req !== undefined && req !== 0)) any = true;
      if (lim === undefined || req === undefined || lim !== req) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
