/**
 * Whether one set of rules holds everything another grants (upstream's validation.Covers): the
 * other set is broken into one rule per verb, group, resource and name (or URL), and each piece
 * must be covered by some rule of the first. Used by the escalation check (a user may only grant
 * what they hold) and by reconciliation (which bootstrap rules a stored role lacks).
 */
import type { PolicyRule } from '../rules.js';

const has = (list: readonly string[] | undefined, v: string): boolean =>
  !!list && (list.includes('*') || list.includes(v));

/** One rule per verb × group × resource × name, or verb × URL (upstream's BreakdownRule). */
export function breakdown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of rule.verbs) {
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        if (rule.resourceNames?.length)
          for (const name of rule.resourceNames)
            out.push({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [name] });
        else out.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
      }
    }
    for (const url of rule.nonResourceURLs ?? []) out.push({ verbs: [verb], nonResourceURLs: [url] });
  }
  return out;
}

function resourceCovered(owner: readonly string[] | undefined, resource: string): boolean {
  if (has(owner, resource)) return true;
  const slash = resource.indexOf('/');
  if (slash < 0) return false;
  return !!owner && (owner.includes(`*${resource.slice(slash)}`) || owner.includes(`${resource.slice(0, slash)}/*`));
}

const urlCovered = (owner: readonly string[] | undefined, url: string): boolean =>
  (owner ?? []).some((o) => o === '*' || o === url || (o.endsWith('*') && url.startsWith(o.slice(0, -1))));

/** Whether owner covers one broken-down rule (upstream's ruleCovers). */
export function ruleCovers(owner: PolicyRule, piece: PolicyRule): boolean {
  if (!piece.verbs.every((v) => has(owner.verbs, v))) return false;
  if (piece.nonResourceURLs?.length) return piece.nonResourceURLs.every((u) => urlCovered(owner.nonResourceURLs, u));
  if (!(piece.apiGroups ?? []).every((g) => has(owner.apiGroups, g))) return false;
  if (!(piece.resources ?? []).every((r) => resourceCovered(owner.resources, r))) return false;
  if (!owner.resourceNames?.length) return true;
  return !!piece.resourceNames?.length && piece.resourceNames.every((n) => owner.resourceNames!.includes(n));
}

/** The pieces of `wanted` that no rule of `owner` covers (empty: owner covers wanted). */
export function uncovered(owner: readonly PolicyRule[], wanted: readonly PolicyRule[]): PolicyRule[] {
  return wanted.flatMap(breakdown).filter((piece) => !owner.some((o) => ruleCovers(o, piece)));
}

/** `{APIGroups:["apps"], Resources:["deployments"], Verbs:["create"]}`: upstream's CompactString. */
export function ruleString(r: PolicyRule): string {
  const q = (l: readonly string[]) => `[${l.map((s) => JSON.stringify(s)).join(' ')}]`;
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${q(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${q(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${q(r.resourceNames)}`);
  parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** Broken-down pieces merged back per group, resource and name (upstream's CompactRules): verbs together. */
export function compact(pieces: readonly PolicyRule[]): PolicyRule[] {
  const byKey = new Map<string, PolicyRule>();
  for (const p of pieces) {
    const key = JSON.stringify([p.apiGroups, p.resources, p.resourceNames, p.nonResourceURLs]);
    const have = byKey.get(key);
    if (have) have.verbs = [...have.verbs, ...p.verbs.filter((v) => !have.verbs.includes(v))];
    else byKey.set(key, { ...p, verbs: [...p.verbs] });
  }
  return [...byKey.values()];
}
