/**
 * The table of served resources: one row per resource, the single source of truth for REST
 * paths, discovery (short names, categories), storage keys and kind lookups.
 */

export interface Subresource {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceInfo {
  /** Plural lower-case name, as in URLs: "pods". */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  /** API group; "" for the core group. */
  group: string;
  version: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: Subresource[];
}

const RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS = (kind: string): Subresource => ({ name: 'status', kind, verbs: ['get', 'patch', 'update'] });
const SCALE: Subresource = {
  name: 'scale',
  kind: 'Scale',
  group: 'autoscaling',
  version: 'v1',
  verbs: ['get', 'patch', 'update'],
};

function row(
  r: Omit<ResourceInfo, 'listKind' | 'verbs' | 'shortNames' | 'categories' | 'subresources'> & Partial<ResourceInfo>,
): ResourceInfo {
  return {
    listKind: `${r.kind}List`,
    verbs: RW,
    shortNames: [],
    categories: [],
    subresources: [],
    ...r,
  };
}

export const RESOURCES: readonly ResourceInfo[] = [
  row({
    resource: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    group: '',
    version: 'v1',
    namespaced: false,
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [STATUS('Namespace')],
  }),
  row({
    resource: 'nodes',
    singular: 'node',
    kind: 'Node',
    group: '',
    version: 'v1',
    namespaced: false,
    shortNames: ['no'],
    subresources: [STATUS('Node')],
  }),
  row({
    resource: 'pods',
    singular: 'pod',
    kind: 'Pod',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      STATUS('Pod'),
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    ],
  }),
  row({
    resource: 'services',
    singular: 'service',
    kind: 'Service',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [STATUS('Service')],
  }),
  row({
    resource: 'endpoints',
    singular: 'endpoints',
    kind: 'Endpoints',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['ep'],
  }),
  row({
    resource: 'events',
    singular: 'event',
    kind: 'Event',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['ev'],
  }),
  row({
    resource: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['cm'],
  }),
  row({ resource: 'secrets', singular: 'secret', kind: 'Secret', group: '', version: 'v1', namespaced: true }),
  row({
    resource: 'serviceaccounts',
    singular: 'serviceaccount',
    kind: 'ServiceAccount',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['sa'],
    subresources: [
      { name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] },
    ],
  }),
  row({
    resource: 'persistentvolumes',
    singular: 'persistentvolume',
    kind: 'PersistentVolume',
    group: '',
    version: 'v1',
    namespaced: false,
    shortNames: ['pv'],
    subresources: [STATUS('PersistentVolume')],
  }),
  row({
    resource: 'persistentvolumeclaims',
    singular: 'persistentvolumeclaim',
    kind: 'PersistentVolumeClaim',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['pvc'],
    subresources: [STATUS('PersistentVolumeClaim')],
  }),
  // apps/v1 in upstream's discovery order (alphabetical), which is the order of `kubectl get all`.
  row({
    resource: 'controllerrevisions',
    singular: 'controllerrevision',
    kind: 'ControllerRevision',
    group: 'apps',
    version: 'v1',
    namespaced: true,
  }),
  row({
    resource: 'daemonsets',
    singular: 'daemonset',
    kind: 'DaemonSet',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    shortNames: ['ds'],
    categories: ['all'],
    subresources: [STATUS('DaemonSet')],
  }),
  row({
    resource: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [STATUS('Deployment'), SCALE],
  }),
  row({
    resource: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    shortNames: ['rs'],
    categories: ['all'],
    subresources: [STATUS('ReplicaSet'), SCALE],
  }),
  row({
    resource: 'statefulsets',
    singular: 'statefulset',
    kind: 'StatefulSet',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    shortNames: ['sts'],
    categories: ['all'],
    subresources: [STATUS('StatefulSet'), SCALE],
  }),
  row({
    resource: 'horizontalpodautoscalers',
    singular: 'horizontalpodautoscaler',
    kind: 'HorizontalPodAutoscaler',
    group: 'autoscaling',
    version: 'v2',
    namespaced: true,
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: [STATUS('HorizontalPodAutoscaler')],
  }),
  row({
    resource: 'cronjobs',
    singular: 'cronjob',
    kind: 'CronJob',
    group: 'batch',
    version: 'v1',
    namespaced: true,
    shortNames: ['cj'],
    categories: ['all'],
    subresources: [STATUS('CronJob')],
  }),
  row({
    resource: 'jobs',
    singular: 'job',
    kind: 'Job',
    group: 'batch',
    version: 'v1',
    namespaced: true,
    categories: ['all'],
    subresources: [STATUS('Job')],
  }),
  row({
    resource: 'leases',
    singular: 'lease',
    kind: 'Lease',
    group: 'coordination.k8s.io',
    version: 'v1',
    namespaced: true,
  }),
  row({
    resource: 'ingresses',
    singular: 'ingress',
    kind: 'Ingress',
    group: 'networking.k8s.io',
    version: 'v1',
    namespaced: true,
    shortNames: ['ing'],
    subresources: [STATUS('Ingress')],
  }),
  row({
    resource: 'ingressclasses',
    singular: 'ingressclass',
    kind: 'IngressClass',
    group: 'networking.k8s.io',
    version: 'v1',
    namespaced: false,
  }),
  row({
    resource: 'poddisruptionbudgets',
    singular: 'poddisruptionbudget',
    kind: 'PodDisruptionBudget',
    group: 'policy',
    version: 'v1',
    namespaced: true,
    shortNames: ['pdb'],
    subresources: [STATUS('PodDisruptionBudget')],
  }),
  row({
    resource: 'endpointslices',
    singular: 'endpointslice',
    kind: 'EndpointSlice',
    group: 'discovery.k8s.io',
    version: 'v1',
    namespaced: true,
  }),
  row({
    resource: 'certificatesigningrequests',
    singular: 'certificatesigningrequest',
    kind: 'CertificateSigningRequest',
    group: 'certificates.k8s.io',
    version: 'v1',
    namespaced: false,
    shortNames: ['csr'],
    subresources: [
      STATUS('CertificateSigningRequest'),
      { name: 'approval', kind: 'CertificateSigningRequest', verbs: ['get', 'patch', 'update'] },
    ],
  }),
  row({
    resource: 'clusterrolebindings',
    singular: 'clusterrolebinding',
    kind: 'ClusterRoleBinding',
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    namespaced: false,
  }),
  row({
    resource: 'clusterroles',
    singular: 'clusterrole',
    kind: 'ClusterRole',
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    namespaced: false,
  }),
  row({
    resource: 'rolebindings',
    singular: 'rolebinding',
    kind: 'RoleBinding',
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    namespaced: true,
  }),
  row({
    resource: 'roles',
    singular: 'role',
    kind: 'Role',
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    namespaced: true,
  }),
  row({
    resource: 'storageclasses',
    singular: 'storageclass',
    kind: 'StorageClass',
    group: 'storage.k8s.io',
    version: 'v1',
    namespaced: false,
    shortNames: ['sc'],
  }),
];

/**
 * Resources also served at an older version of their group, or in another group, converted to and
 * from the stored one at the REST boundary (conversion/): autoscaling/v1 HorizontalPodAutoscalers
 * (what `kubectl autoscale` up to 1.33 writes) are stored as autoscaling/v2; events.k8s.io/v1
 * Events are the core/v1 Events. Listed after the stored version, so discovery prefers the stored
 * one (and `kubectl get events` means the core ones) as upstream does.
 */
export const OLDER_VERSIONS: readonly ResourceInfo[] = [
  row({
    resource: 'horizontalpodautoscalers',
    singular: 'horizontalpodautoscaler',
    kind: 'HorizontalPodAutoscaler',
    group: 'autoscaling',
    version: 'v1',
    namespaced: true,
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: [STATUS('HorizontalPodAutoscaler')],
  }),
  row({
    resource: 'events',
    singular: 'event',
    kind: 'Event',
    group: 'events.k8s.io',
    version: 'v1',
    namespaced: true,
    shortNames: ['ev'],
  }),
];

const byResource = new Map(RESOURCES.map((r) => [r.resource, r]));
const byKind = new Map(RESOURCES.map((r) => [`${r.group}/${r.kind}`, r]));

/** The row for a plural resource name, or undefined. */
export function resourceInfo(resource: string): ResourceInfo | undefined {
  return byResource.get(resource);
}

/** The row for apiVersion + kind ("apps/v1", "Deployment"), or undefined. */
export function resourceForKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
  return byKind.get(`${group}/${kind}`);
}

/** "apps/v1" or "v1". */
export function apiVersionOf(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** "deployments.apps" or "pods": how upstream names a resource in messages. */
export function qualifiedName(info: ResourceInfo): string {
  return info.group ? `${info.resource}.${info.group}` : info.resource;
}

/** The etcd key prefix of a resource, e.g. "/registry/apps/deployments/". */
export function storagePrefix(info: ResourceInfo): string {
  return info.group ? `/registry/${info.group}/${info.resource}/` : `/registry/${info.resource}/`;
}
