/**
 * Upstream's Node authorizer (plugin/pkg/auth/authorizer/node) for `system:node:<name>` users in
 * `system:nodes`: a node reads a Secret, ConfigMap or PersistentVolumeClaim only when a pod bound
 * to it refers to it (the graph: pods on the node, looked up when asked), touches only its own
 * Lease in kube-node-lease, and otherwise holds NODE_RULES. Anything else: no opinion, with
 * upstream's reason, so that a later authorizer (RBAC) may still grant it.
 */
import type { KubeObject } from '@kubelab/api';
import type { Attributes } from './attributes.js';
import { ALLOW, type Authorizer, NO_OPINION, type Verdict } from './authorizer.js';
import { NODE_LEASE_NAMESPACE, NODE_RULES } from './node-rules.js';
import { type PodRefKind, podReferences } from './pod-refs.js';
import { rulesAllow } from './rules.js';
import { GROUPS, nodeNameOf } from './user.js';

/**
 * The pods bound to a node in a namespace. `fresh` false: as the watch cache holds them now (what
 * the node's own pod watch was served from, so every bind it has seen is there; no wait, no
 * copies); true: a consistent read from the storage, which never lags a bind.
 */
export interface NodeGraph {
  podsOnNode(node: string, namespace: string, fresh: boolean): Promise<KubeObject[]>;
}

export function registryGraph(registry: {
  list(resource: string, q: { namespace: string; fieldSelector: string }): Promise<{ items: KubeObject[] }>;
  cachedObjects?(resource: string, namespace: string, match: (o: KubeObject) => boolean): KubeObject[] | undefined;
}): NodeGraph {
  return {
    podsOnNode: async (node, namespace, fresh) => {
      const onNode = (p: KubeObject): boolean => (p.spec as { nodeName?: string } | undefined)?.nodeName === node;
      const cached = fresh ? undefined : registry.cachedObjects?.('pods', namespace, onNode);
      return cached ?? (await registry.list('pods', { namespace, fieldSelector: `spec.nodeName=${node}` })).items;
    },
  };
}

const noOpinion = (reason: string): Verdict => ({ decision: 'noopinion', reason });
const GRAPH_KINDS = new Set<string>(['secrets', 'configmaps', 'persistentvolumeclaims']);

function lease(node: string, a: Attributes): Verdict {
  if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb))
    return noOpinion('can only get, create, update, patch, or delete a node lease');
  if (a.namespace !== NODE_LEASE_NAMESPACE)
    return noOpinion(`can only access leases in the ${NODE_LEASE_NAMESPACE} namespace`);
  if (a.verb !== 'create' && a.name !== node)
    return noOpinion('can only access node lease with the same name as the requesting node');
  return ALLOW;
}

async function related(graph: NodeGraph, node: string, a: Attributes): Promise<Verdict> {
  const pvcStatus = a.resource === 'persistentvolumeclaims' && a.subresource === 'status';
  if (!(pvcStatus ? ['get', 'update', 'patch'] : ['get', 'list', 'watch']).includes(a.verb))
    return noOpinion('can only read resources of this type');
  if (a.subresource && !pvcStatus) return noOpinion('cannot read subresource');
  if (!a.namespace) return noOpinion('can only read namespaced object of this type');
  if (!a.name) return noOpinion('No Object name found');
  const refers = (pods: KubeObject[]): boolean =>
    pods.some((p) => podReferences(p)[a.resource as PodRefKind].has(a.name as string));
  // The cache first: a kubelet reads the Secrets and ConfigMaps of each pod it starts, and a
  // consistent list per read costs etcd the namespace's every pod (4.7 MB at 1,000 pods). Only a
  // "no" is confirmed with a fresh read (a cache of another apiserver may lag the bind).
  if (refers(await graph.podsOnNode(node, a.namespace, false))) return ALLOW;
  if (refers(await graph.podsOnNode(node, a.namespace, true))) return ALLOW;
  return noOpinion(`no relationship found between node '${node}' and this object`);
}

export function nodeAuthorizer(graph: NodeGraph): Authorizer {
  return {
    async authorize(a) {
      if (!a.user.groups.includes(GROUPS.nodes)) return NO_OPINION;
      const node = nodeNameOf(a.user);
      if (!node) return noOpinion(`unknown node for user "${a.user.name}"`);
      if (a.resourceRequest && a.apiGroup === '' && GRAPH_KINDS.has(a.resource)) return related(graph, node, a);
      if (a.resourceRequest && a.apiGroup === 'coordination.k8s.io' && a.resource === 'leases') return lease(node, a);
      return rulesAllow(NODE_RULES, a) ? ALLOW : NO_OPINION;
    },
  };
}
