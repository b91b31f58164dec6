/**
 * Label selectors: the string syntax kubectl sends (`a=b,c!=d,e in (x,y),f notin (z),g,!h`) and
 * the LabelSelector objects of Deployments and ReplicaSets, parsed into one requirement list.
 */
import { ApiError } from '@kubelab/proto';
import type { LabelSelector } from './types.js';

export type Operator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!';

export interface Requirement {
  key: string;
  op: Operator;
  values: string[];
}

export type Selector = Requirement[];

/** Splits on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t.length > 0);
}

function parseTerm(term: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
  if (set) {
    const values = set[3]!.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
    return { key: set[1]!, op: set[2] as 'in' | 'notin', values };
  }
  if (term.startsWith('!')) return { key: term.slice(1).trim(), op: '!', values: [] };
  const ne = term.indexOf('!=');
  if (ne > 0) return { key: term.slice(0, ne).trim(), op: '!=', values: [term.slice(ne + 2).trim()] };
  const eq = term.indexOf('=');
  if (eq > 0) {
    const v = term.slice(term[eq + 1] === '=' ? eq + 2 : eq + 1).trim();
    return { key: term.slice(0, eq).trim(), op: '=', values: [v] };
  }
  if (/^[A-Za-z0-9._/-]+$/.test(term)) return { key: term, op: 'exists', values: [] };
  throw new ApiError('BadRequest', `unable to parse requirement: found '${term}', expected: key, !key, key=value, key!=value, key in (values) or key notin (values)`);
}

/** Parses the string form; an empty string selects everything. */
export function parseLabelSelector(s: string | undefined): Selector {
  if (!s) return [];
  return splitTerms(s).map(parseTerm);
}

/** Converts a LabelSelector object into requirements. An empty selector selects everything. */
export function fromLabelSelector(sel: LabelSelector | undefined): Selector {
  const out: Selector = [];
  for (const [key, value] of Object.entries(sel?.matchLabels ?? {})) out.push({ key, op: '=', values: [value] });
  for (const e of sel?.matchExpressions ?? []) {
    const op: Operator = e.operator === 'In' ? 'in' : e.operator === 'NotIn' ? 'notin' : e.operator === 'Exists' ? 'exists' : '!';
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
    }
  });
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
      }
    })
    .join(',');
}
