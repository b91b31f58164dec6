/**
 * Field selectors: `metadata.name=web,spec.nodeName!=n1,status.phase==Running`, terms in any
 * order, parsed as upstream's fields.ParseSelector (`\,` `\=` `\\` escapes), matched against a
 * dotted path of the object ("" for a missing field). Which fields a resource may be selected by
 * is upstream's list (fieldLabelError): a typo is a 400, never a selector that matches everything.
 */
import { ApiError } from '@kubelab/proto';

export interface FieldRequirement {
  path: string;
  op: '=' | '!=';
  value: string;
}

const OPERATORS = ['!=', '==', '='] as const;

/** Splits on commas that are not escaped. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[++i]!;
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The first unescaped operator of a term. */
function splitTerm(term: string): { lhs: string; op: '=' | '!='; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') {
      i++;
      continue;
    }
    for (const op of OPERATORS) {
      if (term.startsWith(op, i))
        return { lhs: term.slice(0, i), op: op === '!=' ? '!=' : '=', rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescape(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === '\\') {
      const n = v[i + 1];
      if (n !== '\\' && n !== ',' && n !== '=')
        throw new ApiError('BadRequest', `invalid field selector: invalid escape sequence: ${c}${n ?? ''}`);
      out += n;
      i++;
    } else if (c === ',' || c === '=') {
      throw new ApiError('BadRequest', `invalid field selector: unescaped character in value: ${c}`);
    } else out += c;
  }
  return out;
}

export function parseFieldSelector(s: string | undefined): FieldRequirement[] {
  if (!s) return [];
  const out: FieldRequirement[] = [];
  for (const part of splitTerms(s)) {
    if (part.trim() === '') continue;
    const t = splitTerm(part);
    if (!t || t.lhs.trim() === '')
      throw new ApiError('BadRequest', `invalid selector: '${s}'; can't understand '${part}'`);
    out.push({ path: t.lhs.trim(), op: t.op, value: unescape(t.rhs.trim()) });
  }
  return out;
}

/** The selector string of requirements (values escaped as parseFieldSelector unescapes them). */
export function formatFieldSelector(reqs: readonly FieldRequirement[]): string {
  return reqs.map((r) => `${r.path}${r.op}${r.value.replace(/[\\,=]/g, (c) => `\\${c}`)}`).join(',');
}

/**
 * A selector in a served version's field labels as the stored version's (events.k8s.io/v1
 * `regarding.name` → core `involvedObject.name`); a label the map lacks is upstream's 400.
 */
export function renameFieldLabels(selector: string, labels: Readonly<Record<string, string>>): string {
  return formatFieldSelector(
    parseFieldSelector(selector).map((r) => {
      const to = labels[r.path];
      if (to === undefined) throw new ApiError('BadRequest', `field label not supported: ${r.path}`);
      return { ...r, path: to };
    }),
  );
}

const META = ['metadata.name', 'metadata.namespace'];
/** Upstream's field label conversions per resource (the rest accept only metadata.name/namespace). */
const SELECTABLE: Record<string, string[]> = {
  pods: [
    ...META,
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  nodes: ['metadata.name', 'spec.unschedulable'],
  namespaces: ['metadata.name', 'status.phase'],
  secrets: [...META, 'type'],
  events: [
    ...META,
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'type',
  ],
  replicasets: [...META, 'status.replicas'],
  jobs: [...META, 'status.successful'],
};

/** Upstream's message for a field a resource cannot be selected by, or undefined when all are fine. */
export function fieldLabelError(resource: string, reqs: FieldRequirement[]): string | undefined {
  const custom = SELECTABLE[resource];
  for (const r of reqs) {
    if (custom) {
      if (!custom.includes(r.path)) return `field label not supported: ${r.path}`;
    } else if (!META.includes(r.path)) {
      return `"${r.path}" is not a known field selector: only "metadata.name", "metadata.namespace"`;
    }
  }
  return undefined;
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
