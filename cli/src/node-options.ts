/**
 * `node add`'s options checked before anything starts (a bad one is a usage error, exit code 2),
 * and turned into the kubelet's environment: KUBELAB_NODE_CPU/MEMORY (the Node's capacity),
 * KUBELAB_NODE_LABELS and KUBELAB_NODE_TAINTS (put on the Node when it registers).
 */
import { checkSubdomain, formatTaint, parseNodeLabels, parseNodeTaints, type NodeTaint } from '@kubelab/api';
import { parseQuantity, quantityError } from '@kubelab/api/quantity';

export interface NodeAddInput {
  name?: string;
  cpu?: string;
  memory?: string;
  labels?: string;
  taints?: string;
}

export interface NodeAddSpec {
  name?: string;
  labels: Record<string, string>;
  taints: NodeTaint[];
  /** The kubelet container's extra environment. */
  env: Record<string, string>;
}

/** A bad value of one option: the CLI exits with code 2, as for any usage error. */
export class NodeOptionError extends Error {}

function quantity(option: string, value: string): string {
  const err = quantityError(value);
  if (err) throw new NodeOptionError(`${option}: Invalid value: "${value}": ${err}`);
  if (!(parseQuantity(value) > 0)) throw new NodeOptionError(`${option}: Invalid value: "${value}": must be greater than zero`);
  return value;
}

function parsed<T>(option: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new NodeOptionError(`${option}: ${(err as Error).message}`);
  }
}

export function nodeAddSpec(o: NodeAddInput): NodeAddSpec {
  const env: Record<string, string> = {};
  if (o.name !== undefined) {
    const err = o.name.length > 63 ? 'must be no more than 63 characters' : checkSubdomain(o.name);
    if (err) throw new NodeOptionError(`--name: Invalid value: "${o.name}": ${err}`);
  }
  if (o.cpu !== undefined) env.KUBELAB_NODE_CPU = quantity('--cpu', o.cpu);
  if (o.memory !== undefined) env.KUBELAB_NODE_MEMORY = quantity('--memory', o.memory);
  const labels = parsed('--labels', () => parseNodeLabels(o.labels ?? ''));
  const taints = parsed('--taints', () => parseNodeTaints(o.taints ?? ''));
  if (Object.keys(labels).length) env.KUBELAB_NODE_LABELS = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
  if (taints.length) env.KUBELAB_NODE_TAINTS = taints.map(formatTaint).join(',');
  return { ...(o.name !== undefined ? { name: o.name } : {}), labels, taints, env };
}
