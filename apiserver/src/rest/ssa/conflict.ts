/** The 409 of a server-side apply that would change fields other managers own (upstream's text). */
import { ApiError } from '@kubelab/proto';
import { pathString, type FieldPath } from './fieldset.js';

export interface Conflict {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  path: FieldPath;
}

/** `"kubectl" with subresource "scale" using apps/v1` */
export function printManager(c: Omit<Conflict, 'path'>): string {
  let s = JSON.stringify(c.manager);
  if (c.subresource) s += ` with subresource ${JSON.stringify(c.subresource)}`;
  return `${s} using ${c.apiVersion}`;
}

/** The identity upstream sorts managers by (its JSON-encoded manager id). */
const identity = (c: Conflict): string =>
  JSON.stringify({
    manager: c.manager,
    operation: c.operation,
    apiVersion: c.apiVersion,
    ...(c.subresource ? { subresource: c.subresource } : {}),
  });

export function conflictMessage(cs: Conflict[]): string {
  if (cs.length === 1) {
    const c = cs[0]!;
    return `Apply failed with 1 conflict: conflict with ${printManager(c)}: ${pathString(c.path)}`;
  }
  const by = new Map<string, Conflict[]>();
  for (const c of cs) by.set(identity(c), [...(by.get(identity(c)) ?? []), c]);
  const lines: string[] = [];
  for (const id of [...by.keys()].sort()) {
    const group = by.get(id)!;
    lines.push(`conflicts with ${printManager(group[0]!)}:`);
    for (const c of group) lines.push(`- ${pathString(c.path)}`);
  }
  return `Apply failed with ${cs.length} conflicts: ${lines.join('\n')}`;
}

export function conflictError(cs: Conflict[]): ApiError {
  return new ApiError('Conflict', conflictMessage(cs), {
    causes: cs.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with ${printManager(c)}`,
      field: pathString(c.path),
    })),
  });
}
