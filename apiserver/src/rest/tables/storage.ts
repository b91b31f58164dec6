/**
 * PersistentVolume, PersistentVolumeClaim and StorageClass tables (upstream printPersistentVolume,
 * printPersistentVolumeClaim, printStorageClass).
 */
import {
  accessModesString,
  claimClass,
  isDefaultClass,
  volumeClass,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from '@kubelab/api';
import { AGE_COLUMN, col, NAME_COLUMN, type Printer } from './types.js';
import { age, nameOf, obj, str } from './format.js';

const quantity = (v: unknown): string => (typeof v === 'number' ? String(v) : str(v));
const orUnset = (v: unknown): string => (typeof v === 'string' && v !== '' ? v : '<unset>');

export const persistentVolumePrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Capacity', "capacity is the description of the persistent volume's resources and capacity."),
    col('Access Modes', 'accessModes contains all ways the volume can be mounted.'),
    col(
      'Reclaim Policy',
      'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.',
    ),
    col('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    col('Claim', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    col('StorageClass', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
    col(
      'Reason',
      'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.',
    ),
    AGE_COLUMN,
    col(
      'VolumeMode',
      'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.',
      { priority: 1 },
    ),
  ],
  cells(o, now) {
    const pv = o as PersistentVolume;
    const spec = obj<PersistentVolume['spec']>(pv.spec);
    const ref = spec.claimRef;
    const claim = ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '';
    const phase = pv.metadata.deletionTimestamp ? 'Terminating' : str(pv.status?.phase);
    return [
      nameOf(pv),
      quantity(spec.capacity?.['storage']),
      accessModesString(spec.accessModes),
      str(spec.persistentVolumeReclaimPolicy),
      phase,
      claim,
      volumeClass(pv),
      orUnset(spec['volumeAttributesClassName']),
      str(pv.status?.reason),
      age(pv, now),
      orUnset(spec.volumeMode),
    ];
  },
};

export const persistentVolumeClaimPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Status', 'phase represents the current phase of PersistentVolumeClaim.'),
    col('Volume', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    col('Capacity', 'capacity represents the actual resources of the underlying volume.'),
    col('Access Modes', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    col('StorageClass', 'StorageClass of the pvc'),
    col('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
    AGE_COLUMN,
    col('VolumeMode', 'volumeMode defines what type of volume is required by the claim.', { priority: 1 }),
  ],
  cells(o, now) {
    const pvc = o as PersistentVolumeClaim;
    const spec = obj<PersistentVolumeClaim['spec']>(pvc.spec);
    const phase = pvc.metadata.deletionTimestamp ? 'Terminating' : str(pvc.status?.phase);
    const bound = !!spec.volumeName;
    return [
      nameOf(pvc),
      phase,
      str(spec.volumeName),
      bound ? quantity(pvc.status?.capacity?.['storage']) : '',
      bound ? accessModesString(pvc.status?.accessModes) : '',
      claimClass({ ...pvc, spec }),
      orUnset(spec['volumeAttributesClassName']),
      age(pvc, now),
      orUnset(spec.volumeMode),
    ];
  },
};

export const storageClassPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Provisioner', 'provisioner indicates the type of the provisioner.'),
    col(
      'ReclaimPolicy',
      'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.',
    ),
    col('VolumeBindingMode', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
    col('AllowVolumeExpansion', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    AGE_COLUMN,
  ],
  cells(o, now) {
    const sc = o as StorageClass;
    const name = isDefaultClass(sc) ? `${nameOf(sc)} (default)` : nameOf(sc);
    return [
      name,
      str(sc.provisioner),
      str(sc.reclaimPolicy) || 'Delete',
      str(sc.volumeBindingMode) || 'Immediate',
      sc.allowVolumeExpansion === true,
      age(sc, now),
    ];
  },
};
