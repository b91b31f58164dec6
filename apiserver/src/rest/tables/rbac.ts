/** RBAC tables (upstream printRole, printClusterRole, printRoleBinding, printClusterRoleBinding). */
import type { BindingObject, KubeObject } from '@kubelab/api';
import { AGE_COLUMN, col, NAME_COLUMN, type Printer } from './types.js';
import { age, nameOf } from './format.js';

/** The creation time as upstream prints it: RFC 3339 in UTC, seconds. */
function createdAt(o: KubeObject): string {
  const t = o.metadata.creationTimestamp;
  return t ? new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
}

export const rolePrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Created At', 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.', {
      type: 'date',
    }),
  ],
  cells: (o) => [nameOf(o), createdAt(o)],
};

/** Users, Groups, then ServiceAccounts as `namespace/name`, as upstream's SubjectsStrings. */
function subjects(b: BindingObject): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of b.subjects ?? []) {
    if (s.kind === 'User') users.push(s.name);
    else if (s.kind === 'Group') groups.push(s.name);
    else if (s.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}/${s.name}`);
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

export const bindingPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Role', 'RoleRef references the role being granted.'),
    AGE_COLUMN,
    col('Users', 'Users in the binding.', { priority: 1 }),
    col('Groups', 'Groups in the binding.', { priority: 1 }),
    col('ServiceAccounts', 'ServiceAccounts in the binding.', { priority: 1 }),
  ],
  cells(o, now) {
    const b = o as BindingObject;
    return [nameOf(o), `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`, age(o, now), ...subjects(b)];
  },
};
