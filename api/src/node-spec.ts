/**
 * A node's labels and taints as given on a command line: `k=v,k2=v2` (the kubelet's
 * --node-labels) and `key=value:Effect,key:Effect` (its --register-with-taints, kubectl taint's
 * syntax), parsed and checked with upstream's rules and messages. The kubelab CLI checks them
 * before it starts a node; the kubelet applies them when it registers its Node.
 */
import { labelValueErrors, qualifiedNameErrors } from './validation/meta.js';

export interface NodeTaint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

const items = (spec: string): string[] =>
  spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** `k=v,k2=v2` → labels; throws with the label and upstream's reason for a bad key or value. */
export function parseNodeLabels(spec: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of items(spec)) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new Error(`invalid label "${pair}": malformed pair, expect string=string`);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const keyErrs = qualifiedNameErrors(key);
    if (keyErrs.length) throw new Error(`invalid label "${pair}": Invalid value: "${key}": ${keyErrs.join('; ')}`);
    const valueErrs = labelValueErrors(value);
    if (valueErrs.length)
      throw new Error(`invalid label "${pair}": Invalid value: "${value}": ${valueErrs.join('; ')}`);
    labels[key] = value;
  }
  return labels;
}

function parseTaint(spec: string): NodeTaint {
  const parts = spec.split(':');
  if (parts.length !== 2) throw new Error(`invalid taint spec: ${spec}`);
  const effect = parts[1]!;
  if (!(EFFECTS as readonly string[]).includes(effect))
    throw new Error(`invalid taint effect: ${effect}, unsupported taint effect`);
  const kv = parts[0]!.split('=');
  if (kv.length > 2) throw new Error(`invalid taint spec: ${spec}`);
  const key = kv[0]!;
  const value = kv[1];
  if (value !== undefined) {
    const errs = labelValueErrors(value);
    if (errs.length) throw new Error(`invalid taint spec: ${spec}, ${errs.join('; ')}`);
  }
  const errs = qualifiedNameErrors(key);
  if (errs.length) throw new Error(`invalid taint spec: ${spec}, ${errs.join('; ')}`);
  return { key, ...(value ? { value } : {}), effect: effect as NodeTaint['effect'] };
}

/** `key=value:Effect,key:Effect` → taints; an effect is required, a key+effect at most once. */
export function parseNodeTaints(spec: string): NodeTaint[] {
  const taints: NodeTaint[] = [];
  for (const s of items(spec)) {
    const t = parseTaint(s);
    if (taints.some((o) => o.key === t.key && o.effect === t.effect))
      throw new Error(`duplicated taints with the same key and effect: ${formatTaint(t)}`);
    taints.push(t);
  }
  return taints;
}

/** kubectl's form of a taint: `key=value:Effect` (`key:Effect` without a value). */
export function formatTaint(t: { key: string; value?: string; effect: string }): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}
