/** Building meta.k8s.io Tables: pick the printer of a resource, render rows, attach objects. */
import type { KubeObject } from '@kubelab/api';
import type { TableVersion } from '../media.js';
import { deploymentPrinter, replicaSetPrinter } from './apps.js';
import { eventPrinter, genericPrinter, leasePrinter, namespacePrinter } from './misc.js';
import { nodePrinter } from './nodes.js';
import { podPrinter } from './pods.js';
import { endpointsPrinter, servicePrinter } from './services.js';
import type { Printer, TableRow } from './types.js';
import { cronJobPrinter, jobPrinter } from './batch.js';
import { daemonSetPrinter, statefulSetPrinter } from './workloads.js';
import { configMapPrinter, secretPrinter, serviceAccountPrinter } from './config.js';
import { endpointSlicePrinter, hpaPrinter, ingressPrinter, pdbPrinter } from './extras.js';
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from './storage.js';
import { controllerRevisionPrinter } from './revisions.js';
import { csrPrinter } from './certificates.js';
import { bindingPrinter, rolePrinter } from './rbac.js';

const PRINTERS: Record<string, Printer> = {
  pods: podPrinter,
  deployments: deploymentPrinter,
  replicasets: replicaSetPrinter,
  services: servicePrinter,
  endpoints: endpointsPrinter,
  nodes: nodePrinter,
  namespaces: namespacePrinter,
  events: eventPrinter,
  leases: leasePrinter,
  jobs: jobPrinter,
  cronjobs: cronJobPrinter,
  daemonsets: daemonSetPrinter,
  statefulsets: statefulSetPrinter,
  configmaps: configMapPrinter,
  secrets: secretPrinter,
  serviceaccounts: serviceAccountPrinter,
  horizontalpodautoscalers: hpaPrinter,
  ingresses: ingressPrinter,
  endpointslices: endpointSlicePrinter,
  poddisruptionbudgets: pdbPrinter,
  persistentvolumes: persistentVolumePrinter,
  persistentvolumeclaims: persistentVolumeClaimPrinter,
  storageclasses: storageClassPrinter,
  controllerrevisions: controllerRevisionPrinter,
  certificatesigningrequests: csrPrinter,
  roles: rolePrinter,
  clusterroles: rolePrinter,
  rolebindings: bindingPrinter,
  clusterrolebindings: bindingPrinter,
};

export function printerFor(resource: string): Printer {
  return PRINTERS[resource] ?? genericPrinter;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  version?: TableVersion;
  includeObject?: IncludeObject;
  /** Omit columnDefinitions (watch events after the first). */
  noHeaders?: boolean;
  resourceVersion?: string;
  continue?: string;
  now?: number;
}

function rowObject(o: KubeObject, include: IncludeObject, version: TableVersion): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: o.metadata };
}

export function tableRow(printer: Printer, o: KubeObject, opts: TableOptions = {}): TableRow {
  const row: TableRow = { cells: printer.cells(o, opts.now ?? Date.now()) };
  const conditions = printer.conditions?.(o);
  if (conditions) row.conditions = conditions;
  const ro = rowObject(o, opts.includeObject ?? 'Metadata', opts.version ?? 'v1');
  if (ro !== undefined) row.object = ro;
  return row;
}

export function buildTable(resource: string, objects: KubeObject[], opts: TableOptions = {}): Record<string, unknown> {
  const printer = printerFor(resource);
  const metadata: Record<string, string> = {};
  if (opts.resourceVersion) metadata['resourceVersion'] = opts.resourceVersion;
  if (opts.continue) metadata['continue'] = opts.continue;
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.version ?? 'v1'}`,
    metadata,
    columnDefinitions: opts.noHeaders ? null : printer.columns,
    rows: objects.map((o) => tableRow(printer, o, opts)),
  };
}
