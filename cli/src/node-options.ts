/**
 * `node add`'s options checked before anything starts (a bad one is a usage error, exit code 2),
 * and turned into the kubelet's environment: KUBELAB_NODE_CPU/MEMORY (the Node's capacity),
 * KUBELAB_NODE_LABELS and KUBELAB_NODE_TAINTS (put on the Node when it registers); --hollow N:
 * KUBELAB_RUNTIME=hollow and KUBELAB_HOLLOW_NODES=N (N kwok-style nodes in one container, no
 * Docker behind their pods), labelled kubelab.io/hollow=true.
 */
import { checkSubdomain, formatTaint, parseNodeLabels, parseNodeTaints, type NodeTaint } from '@kubelab/api';
import { parseQuantity, quantityError } from '@kubelab/api/quantity';

export interface NodeAddInput {
  name?: string;
  cpu?: string;
  memory?: string;
  labels?: string;
  taints?: string;
  hollow?: string;
}

/** The label every hollow node carries. */
export const HOLLOW_NODE_LABEL = 'kubelab.io/hollow';
/** At most this many hollow nodes per `node add` (one kubelet process runs them all). */
export const MAX_HOLLOW_NODES = 1000;

export interface NodeAddSpec {
  name?: string;
  labels: Record<string, string>;
  taints: NodeTaint[];
  /** The kubelet container's extra environment. */
  env: Record<string, string>;
  /** --hollow: this many hollow nodes, named <name>-0 … <name>-(N-1). */
  hollow?: number;
}

/** A bad value of one option: the CLI exits with code 2, as for any usage error. */
export class NodeOptionError extends Error {}

function quantity(option: string, value: string): string {
  const err = quantityError(value);
  if (err) throw new NodeOptionError(`${option}: Invalid value: "${value}": ${err}`);
  if (!(parseQuantity(value) > 0))
    throw new NodeOptionError(`${option}: Invalid value: "${value}": must be greater than zero`);
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
  const hollow = o.hollow === undefined ? undefined : hollowCount(o.hollow);
  if (hollow !== undefined) {
    env.KUBELAB_RUNTIME = 'hollow';
    env.KUBELAB_HOLLOW_NODES = String(hollow);
    labels[HOLLOW_NODE_LABEL] = 'true';
  }
  const taints = parsed('--taints', () => parseNodeTaints(o.taints ?? ''));
  if (Object.keys(labels).length)
    env.KUBELAB_NODE_LABELS = Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  if (taints.length) env.KUBELAB_NODE_TAINTS = taints.map(formatTaint).join(',');
  return {
    ...(o.name !== undefined ? { name: o.name } : {}),
    labels,
    taints,
    env,
    ...(hollow !== undefined ? { hollow } : {}),
  };
}

function hollowCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_HOLLOW_NODES)
    throw new NodeOptionError(
      `--hollow: Invalid value: "${value}": must be a whole number of nodes from 1 to ${MAX_HOLLOW_NODES}`,
    );
  return n;
}
