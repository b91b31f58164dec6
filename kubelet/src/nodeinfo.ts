/**
 * Pure parts of node registration: the node's name and address, its labels, status (capacity,
 * conditions, addresses, nodeInfo) and Lease, with upstream's reasons and messages.
 */
import { canonical, rfc3339, type Lease, type Node, type NodeCondition, type NodeStatus } from '@kubelab/api';
import type { NodeTaint } from '@kubelab/api';
import type { RuntimeContainer, RuntimeInfo } from './runtime/runtime.js';

export const KUBELET_VERSION = 'v1.32.0-kubelab';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** "/kubelab_kubelet_1" or "/kubelab-kubelet-1" → "kubelab-kubelet-1". */
export function nodeNameFromContainerName(name: string): string {
  return name
    .replace(/^\/+/, '')
    .toLowerCase()
    .replace(/_/g, '-')
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
}

/** The container this process runs in, when the hostname is its (short) id. */
export async function selfContainer(
  inspect: (id: string) => Promise<RuntimeContainer | undefined>,
  hostname: string,
): Promise<RuntimeContainer | undefined> {
  if (!/^[0-9a-f]{12,64}$/.test(hostname)) return undefined;
  const c = await inspect(hostname).catch(() => undefined);
  return c && c.id.startsWith(hostname) ? c : undefined;
}

/** KUBELAB_NODE_NAME, else the own container's name, else the hostname. */
export function chooseNodeName(configured: string, self: RuntimeContainer | undefined, hostname: string): string {
  if (configured) return configured;
  const fromContainer = self ? nodeNameFromContainerName(self.name) : '';
  if (fromContainer) return fromContainer;
  return nodeNameFromContainerName(hostname) || 'localhost';
}

type Interfaces = Record<string, { address: string; family: string | number; internal: boolean }[] | undefined>;

/** The own address on the cluster network, else the first non-internal IPv4, else 127.0.0.1. */
export function chooseNodeIP(self: RuntimeContainer | undefined, network: string, interfaces: Interfaces): string {
  const onNetwork = self?.networks[network];
  if (onNetwork) return onNetwork;
  for (const list of Object.values(interfaces)) {
    for (const i of list ?? []) {
      if (!i.internal && (i.family === 'IPv4' || i.family === 4)) return i.address;
    }
  }
  return '127.0.0.1';
}

export function goArch(arch: string): string {
  switch (arch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    case 'ppc64':
      return 'ppc64le';
    default:
      return arch; // arm64, arm, s390x, riscv64
  }
}

export function nodeLabels(name: string, arch: string): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
  };
}

export interface HostFacts {
  cpus: number;
  memoryBytes: number;
  /** Bytes of the root filesystem, when known. */
  storageBytes?: number;
  arch: string;
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
}

export interface Overrides {
  cpu?: string;
  memory?: string;
  pods?: string;
}

export interface NodeHealth {
  runtime?: RuntimeInfo;
  /** Why the node is not ready (the runtime is unreachable), else undefined. */
  notReady?: string;
}

const PRESSURE: [string, string, string][] = [
  ['MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
];

function nodeCondition(
  old: NodeCondition[] | undefined,
  now: string,
  type: string,
  status: 'True' | 'False',
  reason: string,
  message: string,
): NodeCondition {
  const prev = old?.find((c) => c.type === type);
  return {
    type,
    status,
    lastHeartbeatTime: now,
    lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now,
    reason,
    message,
  };
}

export function buildNodeStatus(o: {
  facts: HostFacts;
  overrides: Overrides;
  health: NodeHealth;
  hostname: string;
  ip: string;
  old?: NodeStatus;
  now: number;
  kubeletPort?: number;
}): NodeStatus {
  const { facts, overrides } = o;
  const now = rfc3339(o.now);
  const capacity: Record<string, string> = {
    cpu: String(facts.cpus),
    memory: `${Math.floor(facts.memoryBytes / 1024)}Ki`,
    pods: '110',
  };
  if (facts.storageBytes) capacity['ephemeral-storage'] = `${Math.floor(facts.storageBytes / 1024)}Ki`;
  // A lab's node is as big as it is told to be: capacity and allocatable alike.
  if (overrides.cpu) capacity.cpu = overrides.cpu;
  if (overrides.memory) capacity.memory = overrides.memory;
  if (overrides.pods) capacity.pods = overrides.pods;
  const allocatable = { ...capacity };
  const old = o.old?.conditions;
  const conditions = PRESSURE.map(([type, reason, message]) => nodeCondition(old, now, type, 'False', reason, message));
  conditions.push(
    o.health.notReady
      ? nodeCondition(old, now, 'Ready', 'False', 'KubeletNotReady', o.health.notReady)
      : nodeCondition(old, now, 'Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  );
  const rt = o.health.runtime;
  const oldInfo = (o.old?.nodeInfo ?? {}) as Record<string, string>;
  return {
    capacity,
    allocatable,
    conditions,
    addresses: [
      { type: 'InternalIP', address: o.ip },
      { type: 'Hostname', address: o.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: o.kubeletPort ?? 10250 } },
    nodeInfo: {
      machineID: facts.machineID,
      systemUUID: facts.systemUUID,
      bootID: facts.bootID,
      kernelVersion: rt?.kernelVersion || facts.kernelVersion,
      osImage: rt?.operatingSystem || oldInfo.osImage || facts.osImage,
      containerRuntimeVersion: rt
        ? `${rt.name}://${rt.version}`
        : (oldInfo.containerRuntimeVersion ?? 'docker://unknown'),
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: facts.arch,
    },
  };
}

/** The status without heartbeat times: what decides whether it changed. */
export function statusFingerprint(s: NodeStatus | undefined): string {
  if (!s) return '';
  const conditions = (s.conditions ?? []).map((c) => ({
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: c.message,
    lastTransitionTime: c.lastTransitionTime,
  }));
  return JSON.stringify(canonical({ ...s, conditions }));
}

/** What the node is registered with beyond its defaults (KUBELAB_NODE_LABELS, KUBELAB_NODE_TAINTS). */
export interface Registration {
  labels?: Record<string, string>;
  taints?: NodeTaint[];
}

export function buildNode(name: string, arch: string, status: NodeStatus, reg: Registration = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { ...(reg.labels ?? {}), ...nodeLabels(name, arch) } },
    spec: reg.taints?.length ? { taints: reg.taints.map((t) => ({ ...t })) } : {},
    status,
  };
}

/**
 * The Node with the registration's labels and taints added where missing (a Node kept from an
 * earlier kubelet of that name); undefined when it has them all. Taints match by key and effect,
 * as upstream's; others' taints and labels are kept.
 */
export function reconcileRegistration(node: Node, name: string, arch: string, reg: Registration): Node | undefined {
  const want = { ...(reg.labels ?? {}), ...nodeLabels(name, arch) };
  const labels = node.metadata.labels ?? {};
  const taints = (node.spec?.taints ?? []) as { key?: string; effect?: string }[];
  const missing = (reg.taints ?? []).filter((t) => !taints.some((o) => o.key === t.key && o.effect === t.effect));
  if (missing.length === 0 && Object.entries(want).every(([k, v]) => labels[k] === v)) return undefined;
  return {
    ...node,
    metadata: { ...node.metadata, labels: { ...labels, ...want } },
    spec: {
      ...(node.spec ?? {}),
      ...(missing.length || taints.length ? { taints: [...taints, ...missing.map((t) => ({ ...t }))] } : {}),
    },
  };
}

/** Upstream's MicroTime: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  const d = new Date(Math.floor(ms));
  const micros = String(d.getUTCMilliseconds() * 1000).padStart(6, '0');
  return `${d.toISOString().slice(0, 19)}.${micros}Z`;
}

export function buildLease(node: string, nodeUid: string | undefined, durationSeconds: number, now: number): Lease {
  const lease: Lease = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: node, namespace: NODE_LEASE_NAMESPACE },
    spec: { holderIdentity: node, leaseDurationSeconds: durationSeconds, renewTime: microTime(now) },
  };
  if (nodeUid) lease.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: node, uid: nodeUid }];
  return lease;
}
