/**
 * Who may do what, as data: upstream's bootstrap ClusterRoles (plugin/pkg/auth/authorizer/rbac/
 * bootstrappolicy) for the identities the lab's components authenticate as, and the bindings that
 * give them out. Nodes are not here: the Node authorizer (node-authorizer.ts) decides for them.
 *
 * Deviations from upstream, each for what the lab's components really do:
 * - system:kube-controller-manager is one identity holding the union of upstream's per-controller
 *   roles (upstream runs each controller as its own ServiceAccount with
 *   --use-service-account-credentials): the garbage collector's and the namespace controller's
 *   read/update/delete of everything, plus create of what the controllers make. The lab's volume
 *   provisioner also creates its StorageClass (an add-on manifest upstream).
 * - system:kube-proxy also lists and watches Pods (the proxier maps pod IPs to their nodes).
 * - cluster-dns and ingress stand for CoreDNS and an ingress controller: upstream's add-ons bring
 *   such roles in their manifests; here they are part of the table.
 * - the health endpoints' sub-checks (/healthz/etcd, /readyz?verbose) are public as their roots.
 */
import { CLUSTER_DNS_NAMESPACE } from '@kubelab/api';
import { GROUPS } from './user.js';
import type { Binding, PolicyRule, Role } from './rules.js';

/** The user names the components' client certificates carry (CN). */
export const COMPONENT_USERS = {
  scheduler: 'system:kube-scheduler',
  controllerManager: 'system:kube-controller-manager',
  kubeProxy: 'system:kube-proxy',
  clusterDns: 'system:kubelab:cluster-dns',
  ingress: 'system:kubelab:ingress',
} as const;

const READ = ['get', 'list', 'watch'];
const EVENTS: PolicyRule = {
  verbs: ['create', 'update', 'patch'],
  apiGroups: ['', 'events.k8s.io'],
  resources: ['events'],
};
const REVIEWS: PolicyRule[] = [
  { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'] },
  { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'] },
];
const leaderLease = (name: string): PolicyRule[] => [
  { verbs: ['create'], apiGroups: ['coordination.k8s.io'], resources: ['leases'] },
  { verbs: ['get', 'update'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [name] },
];
const PUBLIC_PATHS = ['/healthz', '/healthz/*', '/livez', '/livez/*', '/readyz', '/readyz/*', '/version', '/version/'];

export const ROLES: readonly Role[] = [
  { name: 'system:public-info-viewer', rules: [{ verbs: ['get'], nonResourceURLs: PUBLIC_PATHS }] },
  {
    name: 'system:discovery',
    rules: [
      {
        verbs: ['get'],
        nonResourceURLs: [...PUBLIC_PATHS, '/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*'],
      },
    ],
  },
  {
    name: 'system:basic-user',
    rules: [
      {
        verbs: ['create'],
        apiGroups: ['authorization.k8s.io'],
        resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
      },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    ],
  },
  {
    name: 'system:kube-scheduler',
    rules: [
      EVENTS,
      ...leaderLease('kube-scheduler'),
      { verbs: READ, apiGroups: [''], resources: ['nodes', 'namespaces', 'services', 'replicationcontrollers'] },
      { verbs: ['get', 'list', 'watch', 'delete'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['create'], apiGroups: [''], resources: ['pods/binding', 'bindings'] },
      { verbs: ['patch', 'update'], apiGroups: [''], resources: ['pods/status'] },
      { verbs: READ, apiGroups: ['apps'], resources: ['replicasets', 'statefulsets'] },
      { verbs: READ, apiGroups: ['policy'], resources: ['poddisruptionbudgets'] },
      { verbs: READ, apiGroups: ['storage.k8s.io'], resources: ['csinodes', 'csidrivers', 'csistoragecapacities'] },
      ...REVIEWS,
    ],
  },
  {
    // Bound to the scheduler as upstream: volume binding writes PVs and PVCs.
    name: 'system:volume-scheduler',
    rules: [
      {
        verbs: ['get', 'list', 'watch', 'patch', 'update'],
        apiGroups: [''],
        resources: ['persistentvolumes', 'persistentvolumeclaims'],
      },
      { verbs: READ, apiGroups: ['storage.k8s.io'], resources: ['storageclasses'] },
    ],
  },
  {
    name: 'system:kube-controller-manager',
    rules: [
      EVENTS,
      ...leaderLease('kube-controller-manager'),
      ...REVIEWS,
      {
        verbs: ['get', 'list', 'watch', 'update', 'patch', 'delete', 'deletecollection'],
        apiGroups: ['*'],
        resources: ['*'],
      },
      {
        verbs: ['create'],
        apiGroups: [''],
        resources: [
          'pods',
          'pods/binding',
          'pods/eviction',
          'endpoints',
          'configmaps',
          'persistentvolumes',
          'persistentvolumeclaims',
          'serviceaccounts',
          'serviceaccounts/token',
          'secrets',
        ],
      },
      { verbs: ['create'], apiGroups: ['apps'], resources: ['replicasets', 'controllerrevisions'] },
      { verbs: ['create'], apiGroups: ['batch'], resources: ['jobs'] },
      { verbs: ['create'], apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] },
      { verbs: ['create'], apiGroups: ['storage.k8s.io'], resources: ['storageclasses'] },
      // The clusterrole-aggregation controller writes rules it does not hold itself.
      { verbs: ['escalate'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'] },
    ],
  },
  {
    name: 'system:node-proxier',
    rules: [
      { verbs: ['list', 'watch'], apiGroups: [''], resources: ['services', 'endpoints', 'pods'] },
      { verbs: READ, apiGroups: [''], resources: ['nodes'] },
      { verbs: ['list', 'watch'], apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] },
      EVENTS,
    ],
  },
  {
    name: 'system:kubelab:cluster-dns',
    rules: [
      { verbs: ['list', 'watch'], apiGroups: [''], resources: ['services', 'endpoints', 'pods', 'namespaces'] },
      { verbs: ['list', 'watch'], apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] },
    ],
  },
  {
    // Bound in the DNS service's namespace only: its ConfigMap, and the endpoints naming itself.
    name: 'system:kubelab:cluster-dns-publisher',
    rules: [
      { verbs: READ, apiGroups: [''], resources: ['configmaps'] },
      { verbs: ['get', 'create', 'update', 'patch'], apiGroups: [''], resources: ['endpoints'] },
      { verbs: ['get', 'create', 'update', 'patch'], apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] },
    ],
  },
  {
    name: 'system:kubelab:ingress',
    rules: [
      { verbs: READ, apiGroups: [''], resources: ['services', 'endpoints', 'secrets'] },
      { verbs: READ, apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] },
      { verbs: READ, apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'] },
      { verbs: ['update', 'patch'], apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'] },
      { verbs: ['create'], apiGroups: ['networking.k8s.io'], resources: ['ingressclasses'] },
      EVENTS,
    ],
  },
  {
    name: 'system:node-bootstrapper',
    rules: [
      {
        verbs: ['create', 'get', 'list', 'watch'],
        apiGroups: ['certificates.k8s.io'],
        resources: ['certificatesigningrequests'],
      },
    ],
  },
  // What the CSR approver asks (csr/approver.ts): may this requestor have a node client certificate
  // approved automatically (a new node), or its own renewed (a node renewing).
  {
    name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
    rules: [
      { verbs: ['create'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/nodeclient'] },
    ],
  },
  {
    name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
    rules: [
      {
        verbs: ['create'],
        apiGroups: ['certificates.k8s.io'],
        resources: ['certificatesigningrequests/selfnodeclient'],
      },
    ],
  },
];

const user = (name: string) => [{ kind: 'User', name }] as const;
const group = (name: string) => [{ kind: 'Group', name }] as const;

export const BINDINGS: readonly Binding[] = [
  { role: 'system:public-info-viewer', subjects: [...group(GROUPS.authenticated), ...group(GROUPS.unauthenticated)] },
  { role: 'system:discovery', subjects: group(GROUPS.authenticated) },
  { role: 'system:basic-user', subjects: group(GROUPS.authenticated) },
  { role: 'system:kube-scheduler', subjects: user(COMPONENT_USERS.scheduler) },
  { role: 'system:volume-scheduler', subjects: user(COMPONENT_USERS.scheduler) },
  { role: 'system:kube-controller-manager', subjects: user(COMPONENT_USERS.controllerManager) },
  { role: 'system:node-proxier', subjects: user(COMPONENT_USERS.kubeProxy) },
  { role: 'system:kubelab:cluster-dns', subjects: user(COMPONENT_USERS.clusterDns) },
  {
    role: 'system:kubelab:cluster-dns-publisher',
    subjects: user(COMPONENT_USERS.clusterDns),
    namespace: CLUSTER_DNS_NAMESPACE,
  },
  { role: 'system:kubelab:ingress', subjects: user(COMPONENT_USERS.ingress) },
  { role: 'system:node-bootstrapper', subjects: group(GROUPS.bootstrappers) },
  { role: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', subjects: group(GROUPS.bootstrappers) },
  { role: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', subjects: group(GROUPS.nodes) },
];
