/** Cell formatting shared by the printers, following upstream's printers. */
import { fromLabelSelector, humanAge, selectorToString, type KubeObject, type LabelSelector } from '@kubelab/api';

export function age(obj: KubeObject, now: number): string {
  return humanAge(obj.metadata.creationTimestamp, now);
}

export function nameOf(obj: KubeObject): string {
  return obj.metadata.name ?? '';
}

/** metav1.FormatLabelSelector: requirements sorted by key, "<none>" when empty. */
export function formatLabelSelector(sel: LabelSelector | undefined): string {
  const reqs = fromLabelSelector(sel)
    .map((r) => ({ ...r, values: [...r.values].sort() }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const s = selectorToString(reqs);
  return s || '<none>';
}

/** labels.FormatLabels: "k=v,k2=v2" sorted by key, "<none>" when empty. */
export function formatLabels(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${m![k]}`).join(',');
}

export function obj<T = Record<string, unknown>>(v: unknown): T {
  return (v !== null && typeof v === 'object' ? v : {}) as T;
}

export function list<T = Record<string, unknown>>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function int(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0;
}
