/**
 * Kinds the server stores but the protobuf decoder has no table for (kubectl sends them as JSON),
 * written in the decoder's field-spec language so that the OpenAPI documents describe them too.
 * Field numbers only order the fields here.
 */
import type { Table } from '../protobuf/schema.js';

export const OUTLINES: Record<string, Table> = {
  v1: {
    PersistentVolume: { 1: 'metadata:ObjectMeta', 2: 'spec:PersistentVolumeSpec', 3: 'status:PersistentVolumeStatus' },
    PersistentVolumeSpec: {
      1: 'capacity:map<Quantity>',
      2: 'accessModes:[]string',
      3: 'claimRef:ObjectReference',
      4: 'persistentVolumeReclaimPolicy',
      5: 'storageClassName',
      6: 'mountOptions:[]string',
      7: 'volumeMode',
      8: 'nodeAffinity:VolumeNodeAffinity',
      9: 'hostPath:HostPathVolumeSource',
      10: 'local:LocalVolumeSource',
      11: 'nfs:NFSVolumeSource',
    },
    VolumeNodeAffinity: { 1: 'required:NodeSelector' },
    LocalVolumeSource: { 1: 'path', 2: 'fsType' },
    PersistentVolumeStatus: { 1: 'phase', 2: 'message', 3: 'reason', 4: 'lastPhaseTransitionTime:Time' },
  },
  'apps/v1': {
    ControllerRevision: { 1: 'metadata:ObjectMeta', 2: 'data:RawExtension', 3: 'revision:int64' },
  },
  'networking.k8s.io/v1': {
    IngressClass: { 1: 'metadata:ObjectMeta', 2: 'spec:IngressClassSpec' },
    IngressClassSpec: { 1: 'controller', 2: 'parameters:IngressClassParametersReference' },
    IngressClassParametersReference: { 1: 'apiGroup', 2: 'kind', 3: 'name', 4: 'scope', 5: 'namespace' },
  },
  'storage.k8s.io/v1': {
    StorageClass: {
      1: 'metadata:ObjectMeta',
      2: 'provisioner',
      3: 'parameters:map',
      4: 'reclaimPolicy',
      5: 'mountOptions:[]string',
      6: 'allowVolumeExpansion:bool',
      7: 'volumeBindingMode',
    },
  },
};
