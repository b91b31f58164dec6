/**
 * Label selectors: the string syntax kubectl sends (`a=b,c!=d,e in (x,y),f notin (z),g,!h`, see
 * label-parser.ts) and the LabelSelector objects of Deployments and ReplicaSets, parsed into one
 * requirement list, and matching labels against it.
 */
import { ApiError } from '@kubelab/proto';
import { parseSelectorString, type Operator, type Requirement } from './label-parser.js';
import type { LabelSelector } from './types.js';

export type { Operator, Requirement } from './label-parser.js';

export type Selector = Requirement[];

/** Parses the string form (upstream's syntax and messages); an empty string selects everything. */
export function parseLabelSelector(s: string | undefined): Selector {
  if (!s) return [];
  try {
    return parseSelectorString(s);
  } catch (e) {
    throw new ApiError('BadRequest', e instanceof Error ? e.message : String(e));
  }
}

/** Converts a LabelSelector object into requirements. An empty selector selects everything. */
export function fromLabelSelector(sel: LabelSelector | undefined): Selector {
  const out: Selector = [];
  for (const [key, value] of Object.entries(sel?.matchLabels ?? {})) out.push({ key, op: '=', values: [value] });
  for (const e of sel?.matchExpressions ?? []) {
    const op: Operator =
      e.operator === 'In' ? 'in' : e.operator === 'NotIn' ? 'notin' : e.operator === 'Exists' ? 'exists' : '!';
    out.push({ key: e.key, op, values: e.values ?? [] });
  }
  return out;
}

export function matches(sel: Selector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return sel.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case '=':
        return has && v === r.values[0];
      case '!=':
        return !has || v !== r.values[0];
      case 'in':
        return has && r.values.includes(v!);
      case 'notin':
        return !has || !r.values.includes(v!);
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'gt':
      case 'lt':
        return has && compareInt(v!, r.values[0] ?? '', r.op);
    }
  });
}

/** `n>3` / `n<3`: the label must be an integer on the right side of the bound. */
function compareInt(label: string, bound: string, op: 'gt' | 'lt'): boolean {
  if (!/^[+-]?\d+$/.test(label)) return false;
  const a = BigInt(label);
  const b = BigInt(bound);
  return op === 'gt' ? a > b : a < b;
}

/** The string form, as kubectl prints it: "app=web,tier in (a,b)". */
export function selectorToString(sel: Selector): string {
  return sel
    .map((r) => {
      switch (r.op) {
        case '=':
        case '!=':
          return `${r.key}${r.op}${r.values[0] ?? ''}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.op} (${r.values.join(',')})`;
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'gt':
          return `${r.key}>${r.values[0] ?? ''}`;
        case 'lt':
          return `${r.key}<${r.values[0] ?? ''}`;
      }
    })
    .join(',');
}
