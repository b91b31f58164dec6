/** meta.k8s.io Table pieces, and the printer contract each resource implements. */
import type { KubeObject } from '@kubelab/api';

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  object?: unknown;
}

export interface Printer {
  columns: ColumnDefinition[];
  /** The cells of one row, every column (wide ones too; kubectl hides priority > 0). */
  cells(obj: KubeObject, now: number): unknown[];
  conditions?(obj: KubeObject): TableRowCondition[] | undefined;
}

export function col(
  name: string,
  description: string,
  opts: { type?: string; format?: string; priority?: number } = {},
): ColumnDefinition {
  return { name, type: opts.type ?? 'string', format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}

export const NAME_COLUMN = col('Name', 'Name must be unique within a namespace. Cannot be updated.', {
  format: 'name',
});
export const AGE_COLUMN = col(
  'Age',
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);
