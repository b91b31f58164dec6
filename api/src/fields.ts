/**
 * Field selectors: `metadata.name=web,spec.nodeName!=n1,status.phase==Running`, terms in any
 * order, matched against any dotted path of the object ("" for a missing field).
 */
import { ApiError } from '@kubelab/proto';

export interface FieldRequirement {
  path: string;
  op: '=' | '!=';
  value: string;
}

export function parseFieldSelector(s: string | undefined): FieldRequirement[] {
  if (!s) return [];
  return s
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
    .map((term) => {
      const m = /^([^!=]+)(==|!=|=)(.*)$/.exec(term);
      if (!m) throw new ApiError('BadRequest', `invalid selector: '${s}'; can't understand '${term}'`);
      return { path: m[1]!.trim(), op: m[2] === '!=' ? '!=' : '=', value: m[3]!.trim() };
    });
}

/** Reads a dotted path; numbers and booleans compare by their string form. */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

export function matchesFields(reqs: FieldRequirement[], obj: unknown): boolean {
  return reqs.every((r) => (fieldValue(obj, r.path) === r.value) === (r.op === '='));
}
