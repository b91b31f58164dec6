/** Pod IP → node name, from the pods informer: where a client of a Local service runs. */
import type { Pod } from '@kubelab/api';

/**
 * The pods worth watching: those with an IP of their own. A pod being created, scheduled or
 * started without an address yet is none of kube-proxy's business, and each of those writes was
 * one more watch event for the apiserver to send (a third of a pod's events at a rollout).
 */
export const POD_NODES_SELECTOR = 'status.podIP!=,spec.hostNetwork!=true';

export class PodNodes {
  private readonly byIP = new Map<string, { node: string; pod: string }>();

  put(pod: Pod, old?: Pod): void {
    if (old) this.remove(old);
    const ip = pod.status?.podIP;
    const node = pod.spec.nodeName;
    if (ip && node && pod.spec['hostNetwork'] !== true)
      this.byIP.set(ip, { node, pod: `${pod.metadata.namespace}/${pod.metadata.name}` });
  }

  remove(pod: Pod): void {
    const ip = pod.status?.podIP;
    const cur = ip ? this.byIP.get(ip) : undefined;
    if (ip && cur && cur.pod === `${pod.metadata.namespace}/${pod.metadata.name}`) this.byIP.delete(ip);
  }

  /** Pod IPs by node. */
  byNode(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [ip, { node }] of this.byIP) out.set(node, [...(out.get(node) ?? []), ip]);
    return out;
  }

  nodeOf(ip: string): string | undefined {
    return this.byIP.get(ip)?.node;
  }
}
