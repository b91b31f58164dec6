/**
 * What a chaos TARGET names: a compose service ("apiserver", "scheduler-2", "etcd-3"), a
 * component (every container of it: "kubelet", or "scheduler" in the HA profile), a Node (its
 * kubelet's container, found by hostname or KUBELAB_NODE_NAME), or `pod/NAME` (`pod/NS/NAME`:
 * the app containers of one pod, for `kill`).
 */
import type Docker from 'dockerode';
import {
  CLUSTER_LABEL,
  COMPONENT_LABEL,
  POD_CONTAINER_LABEL,
  POD_NAME_LABEL,
  POD_NAMESPACE_LABEL,
  SANDBOX_CONTAINER,
} from '../labels.js';

const SERVICE_LABEL = 'com.docker.compose.service';

export interface TargetContainer {
  id: string;
  name: string;
  /** The Node name, for a kubelet. */
  node?: string;
}

export const COMPONENTS = [
  'apiserver',
  'etcd',
  'scheduler',
  'controller-manager',
  'kube-proxy',
  'cluster-dns',
  'ingress',
  'apiserver-lb',
  'kubelet',
];

const nameOf = (c: Docker.ContainerInfo): string => (c.Names[0] ?? c.Id).replace(/^\//, '');

/** As the kubelet names its Node: KUBELAB_NODE_NAME, else its container's name made a DNS name. */
async function nodeName(docker: Docker, id: string): Promise<string> {
  const info = await docker.getContainer(id).inspect();
  const env = (info.Config.Env ?? [])
    .find((e) => e.startsWith('KUBELAB_NODE_NAME='))
    ?.slice('KUBELAB_NODE_NAME='.length);
  return (
    env ||
    info.Name.replace(/^\/+/, '')
      .toLowerCase()
      .replace(/_/g, '-')
      .replace(/[^a-z0-9.-]/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '')
  );
}

/** What a TARGET may name in this lab: its compose services (kubelets aside) and its Nodes, each sorted. */
export async function listTargets(docker: Docker, cluster: string): Promise<{ services: string[]; nodes: string[] }> {
  const all = await docker.listContainers({ all: true, filters: { label: [`${CLUSTER_LABEL}=${cluster}`] } });
  const components = all.filter((c) => COMPONENT_LABEL in c.Labels && c.Labels[COMPONENT_LABEL] !== 'pki');
  const services = new Set(
    components
      .filter((c) => c.Labels[COMPONENT_LABEL] !== 'kubelet')
      .map((c) => c.Labels[SERVICE_LABEL])
      .filter((s): s is string => !!s),
  );
  const kubelets = components.filter((c) => c.Labels[COMPONENT_LABEL] === 'kubelet');
  const nodes = await Promise.all(kubelets.map((c) => nodeName(docker, c.Id)));
  return { services: [...services].sort(), nodes: [...new Set(nodes)].sort() };
}

export async function resolveTarget(docker: Docker, cluster: string, target: string): Promise<TargetContainer[]> {
  const all = await docker.listContainers({ all: true, filters: { label: [`${CLUSTER_LABEL}=${cluster}`] } });
  const pod = /^pods?\/(?:([^/]+)\/)?([^/]+)$/.exec(target);
  if (pod) {
    const ns = pod[1] ?? 'default';
    const found = all.filter(
      (c) =>
        c.Labels[POD_NAME_LABEL] === pod[2] &&
        (c.Labels[POD_NAMESPACE_LABEL] ?? 'default') === ns &&
        c.Labels[POD_CONTAINER_LABEL] !== SANDBOX_CONTAINER &&
        c.State === 'running',
    );
    if (found.length === 0) throw new Error(`${target}: no running container of pod ${ns}/${pod[2]} in lab ${cluster}`);
    return found.map((c) => ({ id: c.Id, name: nameOf(c) }));
  }
  const components = all.filter((c) => COMPONENT_LABEL in c.Labels && c.Labels[COMPONENT_LABEL] !== 'pki');
  const byService = components.filter(
    (c) => c.Labels[SERVICE_LABEL] === target && c.Labels[COMPONENT_LABEL] !== 'kubelet',
  );
  if (byService.length > 0) return byService.map((c) => ({ id: c.Id, name: nameOf(c) }));
  const byComponent = components.filter((c) => c.Labels[COMPONENT_LABEL] === target);
  const kubelets = components.filter((c) => c.Labels[COMPONENT_LABEL] === 'kubelet');
  const nodes = await Promise.all(
    kubelets.map(async (c) => ({ id: c.Id, name: nameOf(c), node: await nodeName(docker, c.Id) })),
  );
  if (byComponent.length > 0)
    return byComponent.map((c) => ({
      id: c.Id,
      name: nameOf(c),
      ...(c.Labels[COMPONENT_LABEL] === 'kubelet' ? { node: nodes.find((n) => n.id === c.Id)?.node } : {}),
    }));
  const node = nodes.filter((n) => n.node === target || n.name === target);
  if (node.length > 0) return node;
  const services = [
    ...new Set(components.map((c) => c.Labels[SERVICE_LABEL]).filter((s): s is string => !!s && s !== 'kubelet')),
  ].sort();
  throw new Error(
    `${target}: not a component, service or node of lab ${cluster}: use one of ${[...services, 'kubelet'].join(', ')}, a Node (${nodes.map((n) => n.node).join(', ') || 'none'}) or pod/NAME`,
  );
}
