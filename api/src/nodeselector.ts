/**
 * Node selector terms (a pod's required node affinity, a PersistentVolume's node affinity) against
 * a node: terms are ORed, the requirements of one term ANDed; `matchFields` knows metadata.name.
 */
import type { NodeSelector, NodeSelectorRequirement, NodeSelectorTerm } from './storage-types.js';
import type { Node } from './types.js';

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && vals.includes(value);
    case 'NotIn':
      return value === undefined || !vals.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || vals.length !== 1) return false;
      const a = Number(value);
      const b = Number(vals[0]);
      if (!Number.isInteger(a) || !Number.isInteger(b)) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** One term: every requirement holds (an empty term matches nothing, as upstream). */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  return (
    exprs.every((r) =>
      requirementMatches(r, Object.prototype.hasOwnProperty.call(labels, r.key) ? labels[r.key] : undefined),
    ) && fields.every((r) => requirementMatches(r, r.key === 'metadata.name' ? node.metadata.name : undefined))
  );
}

/** Some term matches the node. */
export function nodeSelectorMatches(selector: NodeSelector | undefined, node: Node): boolean {
  return (selector?.nodeSelectorTerms ?? []).some((t) => nodeSelectorTermMatches(t, node));
}
