/** ControllerRevision table (upstream printControllerRevision): CONTROLLER is `statefulset.apps/web`. */
import type { KubeObject } from '@kubelab/api';
import { AGE_COLUMN, col, NAME_COLUMN, type Printer } from './types.js';
import { age, int, nameOf } from './format.js';

function controllerName(o: KubeObject): string {
  const ref = o.metadata.ownerReferences?.find((r) => r.controller === true);
  if (!ref) return '<none>';
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0]! : '';
  return `${ref.kind.toLowerCase()}${group ? `.${group}` : ''}/${ref.name}`;
}

export const controllerRevisionPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Controller', 'Controller of the object'),
    col('Revision', 'Revision indicates the revision of the state represented by Data.'),
    AGE_COLUMN,
  ],
  cells(o, now) {
    return [nameOf(o), controllerName(o), int(o['revision']), age(o, now)];
  },
};
