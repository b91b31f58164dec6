/** What a pod asks for and what a node offers: cpu in millicores, memory in bytes, pod slots. */
import { tryParseQuantity, milliValue, intValue } from '@kubelab/api/quantity';
import type { Container, Node, Pod } from '@kubelab/api';

export interface Resources {
  milliCPU: number;
  memory: number;
}

function requestsOf(c: Container): Resources {
  const req = ((c.resources as { requests?: Record<string, string | number> } | undefined)?.requests ?? {}) as Record<
    string,
    string | number
  >;
  const cpu = req.cpu;
  const mem = req.memory;
  return {
    milliCPU: cpu !== undefined && tryParseQuantity(cpu) !== undefined ? milliValue(cpu) : 0,
    memory: mem !== undefined && tryParseQuantity(mem) !== undefined ? intValue(mem) : 0,
  };
}

/** Upstream's computePodResourceRequest: sum of the containers, at least the largest init container. */
export function podRequests(pod: Pod): Resources {
  const sum: Resources = { milliCPU: 0, memory: 0 };
  for (const c of pod.spec.containers ?? []) {
    const r = requestsOf(c);
    sum.milliCPU += r.milliCPU;
    sum.memory += r.memory;
  }
  for (const c of pod.spec.initContainers ?? []) {
    const r = requestsOf(c);
    sum.milliCPU = Math.max(sum.milliCPU, r.milliCPU);
    sum.memory = Math.max(sum.memory, r.memory);
  }
  return sum;
}

export interface Allocatable {
  milliCPU: number | undefined;
  memory: number | undefined;
  pods: number | undefined;
}

/** status.allocatable (falling back to capacity); undefined where the node does not say. */
export function allocatable(node: Node): Allocatable {
  const a = { ...(node.status?.capacity ?? {}), ...(node.status?.allocatable ?? {}) };
  const q = (k: string): string | undefined => {
    const v = a[k];
    return v !== undefined && tryParseQuantity(v) !== undefined ? v : undefined;
  };
  const cpu = q('cpu');
  const mem = q('memory');
  const pods = q('pods');
  return {
    milliCPU: cpu !== undefined ? milliValue(cpu) : undefined,
    memory: mem !== undefined ? intValue(mem) : undefined,
    pods: pods !== undefined ? intValue(pods) : undefined,
  };
}
