/**
 * What every node may do beyond the graph-checked reads, as data: upstream's NodeRules
 * (bootstrappolicy/policy.go) for what the lab serves. NodeRestriction (node-restriction.ts) then
 * narrows the writes to the node's own objects.
 *
 * Lab deviation: nodes read, list, watch and update PersistentVolumes (the kubelet is also the
 * lab's local volume plugin: it removes a deleted PV's Docker volume and then its finalizer, see
 * kubelet/src/volumes/pvreclaim.ts); NodeRestriction lets it update only PVs of its own node or of
 * a node that no longer exists.
 */
import type { PolicyRule } from './rules.js';

const READ = ['get', 'list', 'watch'];

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export const NODE_RULES: readonly PolicyRule[] = [
  { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'] },
  {
    verbs: ['create'],
    apiGroups: ['authorization.k8s.io'],
    resources: ['subjectaccessreviews', 'localsubjectaccessreviews'],
  },
  { verbs: READ, apiGroups: [''], resources: ['services'] },
  { verbs: ['create', 'get', 'list', 'watch', 'update', 'patch'], apiGroups: [''], resources: ['nodes'] },
  { verbs: ['update', 'patch'], apiGroups: [''], resources: ['nodes/status'] },
  { verbs: ['create', 'update', 'patch'], apiGroups: ['', 'events.k8s.io'], resources: ['events'] },
  { verbs: [...READ, 'create', 'delete'], apiGroups: [''], resources: ['pods'] },
  { verbs: ['update', 'patch'], apiGroups: [''], resources: ['pods/status'] },
  { verbs: ['create'], apiGroups: [''], resources: ['pods/eviction'] },
  { verbs: ['get'], apiGroups: [''], resources: ['endpoints'] },
  { verbs: [...READ, 'update'], apiGroups: [''], resources: ['persistentvolumes'] },
  {
    verbs: ['create', 'get', 'list', 'watch'],
    apiGroups: ['certificates.k8s.io'],
    resources: ['certificatesigningrequests'],
  },
  { verbs: ['get'], apiGroups: ['storage.k8s.io'], resources: ['volumeattachments'] },
  { verbs: READ, apiGroups: ['storage.k8s.io'], resources: ['csidrivers', 'csinodes'] },
  { verbs: READ, apiGroups: ['node.k8s.io'], resources: ['runtimeclasses'] },
  { verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts/token'] },
];
