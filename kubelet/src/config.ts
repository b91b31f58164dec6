/** The kubelet's settings, all from the environment (see the README table in index.ts). */
import { parseNodeLabels, parseNodeTaints, type NodeTaint } from '@kubelab/api';
import { parseQuantity } from './quantity.js';

export interface KubeletConfig {
  apiserver: string;
  cluster: string;
  network: string;
  /** Empty: derived from the kubelet's own container name, else the hostname. */
  nodeName: string;
  pauseImage: string;
  pauseCommand: string[];
  leaseSeconds: number;
  leaseDurationSeconds: number;
  /** How often the Node object is checked; it is written on change or every statusReportSeconds. */
  nodeStatusSeconds: number;
  nodeStatusReportSeconds: number;
  crashLoopBaseSeconds: number;
  crashLoopMaxSeconds: number;
  imageBackoffBaseSeconds: number;
  imageBackoffMaxSeconds: number;
  resyncSeconds: number;
  /** KUBELAB_KUBELET_PODS_DIR: the kubelet's own directory for content volumes, used when it is a volume of its container (see volumes/localdir.ts). */
  podsDir: string;
  housekeepingSeconds: number;
  podWorkers: number;
  dockerConcurrency: number;
  dockerTimeoutSeconds: number;
  imagePullTimeoutSeconds: number;
  imageRefreshTimeoutSeconds: number;
  /** Grace for containers of pods that vanished from the apiserver (force-deleted). */
  orphanGraceSeconds: number;
  nodeCpu?: string;
  nodeMemory?: string;
  nodePods?: string;
  /** KUBELAB_NODE_LABELS (`k=v,..`, as --node-labels): put on the Node when it registers. */
  nodeLabels: Record<string, string>;
  /** KUBELAB_NODE_TAINTS (`k=v:Effect,..`, as --register-with-taints): put on the Node when it registers. */
  nodeTaints: NodeTaint[];
  /** `docker` (default) or `hollow` (no containers at all; see runtime/hollow.ts). */
  runtime: 'docker' | 'hollow';
  /** Hollow only: 0 runs one node named as usual; N runs N nodes named <name>-0 … <name>-(N-1). */
  hollowNodes: number;
  /** Hollow only: the CIDR fake pod IPs come from. */
  hollowPodRange: string;
  /** KUBELAB_RUNTIME_TIMING=1: every container runtime call is logged at debug level with its duration. */
  runtimeTiming: boolean;
}

/** `--runtime=hollow` / `--runtime hollow` on the command line, else KUBELAB_RUNTIME. */
function runtimeChoice(env: Env, argv: readonly string[]): 'docker' | 'hollow' {
  let v = str(env, 'KUBELAB_RUNTIME', 'docker');
  argv.forEach((a, i) => {
    if (a.startsWith('--runtime=')) v = a.slice('--runtime='.length);
    else if (a === '--runtime' && argv[i + 1] !== undefined) v = argv[i + 1]!;
  });
  if (v !== 'docker' && v !== 'hollow')
    throw new Error(`KUBELAB_RUNTIME: Unsupported value: "${v}": supported values: "docker", "hollow"`);
  return v;
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v !== undefined && v.trim() !== '' ? v.trim() : fallback;
}

function num(env: Env, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min)
    throw new Error(`${name}: Invalid value: "${raw}": must be a number greater than or equal to ${min}`);
  return n;
}

function int(env: Env, name: string, fallback: number, min: number): number {
  const n = num(env, name, fallback, min);
  if (!Number.isInteger(n)) throw new Error(`${name}: Invalid value: "${env[name]}": must be an integer`);
  return n;
}

/** Runs a parser, naming the variable in its error. */
function named<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`);
  }
}

function quantity(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  if (!v) return undefined;
  const q = parseQuantity(v);
  if (q === undefined || q < 0)
    throw new Error(`${name}: Invalid value: "${v}": must be a resource quantity such as 2, 500m, 4Gi`);
  return v;
}

export function loadConfig(env: Env, argv: readonly string[] = []): KubeletConfig {
  const pauseCommand = str(env, 'KUBELAB_PAUSE_COMMAND', 'sleep 2147483647')
    .split(/\s+/)
    .filter((s) => s.length > 0);
  const cfg: KubeletConfig = {
    apiserver: str(env, 'KUBELAB_APISERVER', 'apiserver:7000'),
    cluster: str(env, 'KUBELAB_CLUSTER', 'kubelab'),
    network: str(env, 'KUBELAB_NETWORK', 'kubelab'),
    nodeName: str(env, 'KUBELAB_NODE_NAME', ''),
    pauseImage: str(env, 'KUBELAB_PAUSE_IMAGE', 'kubelab/kubelab:dev'),
    pauseCommand,
    leaseSeconds: num(env, 'KUBELAB_LEASE_SECONDS', 5, 0.1),
    leaseDurationSeconds: int(env, 'KUBELAB_LEASE_DURATION_SECONDS', 40, 1),
    nodeStatusSeconds: num(env, 'KUBELAB_NODE_STATUS_SECONDS', 10, 0.1),
    nodeStatusReportSeconds: num(env, 'KUBELAB_NODE_STATUS_REPORT_SECONDS', 60, 0.1),
    crashLoopBaseSeconds: num(env, 'KUBELAB_CRASHLOOP_BASE_SECONDS', 2, 0),
    crashLoopMaxSeconds: num(env, 'KUBELAB_CRASHLOOP_MAX_SECONDS', 60, 0),
    imageBackoffBaseSeconds: num(env, 'KUBELAB_IMAGE_BACKOFF_BASE_SECONDS', 2, 0),
    imageBackoffMaxSeconds: num(env, 'KUBELAB_IMAGE_BACKOFF_MAX_SECONDS', 60, 0),
    resyncSeconds: num(env, 'KUBELAB_RESYNC_SECONDS', 10, 0.1),
    podsDir: str(env, 'KUBELAB_KUBELET_PODS_DIR', '/var/lib/kubelet/pods'),
    housekeepingSeconds: num(env, 'KUBELAB_HOUSEKEEPING_SECONDS', 30, 0.1),
    podWorkers: int(env, 'KUBELAB_POD_WORKERS', 8, 1),
    dockerConcurrency: int(env, 'KUBELAB_DOCKER_CONCURRENCY', 8, 1),
    dockerTimeoutSeconds: num(env, 'KUBELAB_DOCKER_TIMEOUT_SECONDS', 30, 1),
    imagePullTimeoutSeconds: num(env, 'KUBELAB_IMAGE_PULL_TIMEOUT_SECONDS', 60, 1),
    imageRefreshTimeoutSeconds: num(env, 'KUBELAB_IMAGE_REFRESH_TIMEOUT_SECONDS', 10, 1),
    orphanGraceSeconds: num(env, 'KUBELAB_ORPHAN_GRACE_SECONDS', 2, 0),
    runtime: runtimeChoice(env, argv),
    hollowNodes: int(env, 'KUBELAB_HOLLOW_NODES', 0, 0),
    hollowPodRange: str(env, 'KUBELAB_HOLLOW_POD_RANGE', '10.200.0.0/16'),
    runtimeTiming: str(env, 'KUBELAB_RUNTIME_TIMING', '') === '1',
    nodeLabels: named('KUBELAB_NODE_LABELS', () => parseNodeLabels(env.KUBELAB_NODE_LABELS ?? '')),
    nodeTaints: named('KUBELAB_NODE_TAINTS', () => parseNodeTaints(env.KUBELAB_NODE_TAINTS ?? '')),
  };
  if (pauseCommand.length === 0)
    throw new Error('KUBELAB_PAUSE_COMMAND: Required value: the command the sandbox container runs');
  if (cfg.crashLoopMaxSeconds < cfg.crashLoopBaseSeconds)
    throw new Error(
      'KUBELAB_CRASHLOOP_MAX_SECONDS: Invalid value: must be greater than or equal to KUBELAB_CRASHLOOP_BASE_SECONDS',
    );
  if (cfg.imageBackoffMaxSeconds < cfg.imageBackoffBaseSeconds)
    throw new Error(
      'KUBELAB_IMAGE_BACKOFF_MAX_SECONDS: Invalid value: must be greater than or equal to KUBELAB_IMAGE_BACKOFF_BASE_SECONDS',
    );
  const cpu = quantity(env, 'KUBELAB_NODE_CPU');
  const memory = quantity(env, 'KUBELAB_NODE_MEMORY');
  const pods = env.KUBELAB_NODE_PODS?.trim();
  if (cpu) cfg.nodeCpu = cpu;
  if (memory) cfg.nodeMemory = memory;
  if (pods) {
    if (!/^\d+$/.test(pods))
      throw new Error(`KUBELAB_NODE_PODS: Invalid value: "${pods}": must be a non-negative integer`);
    cfg.nodePods = pods;
  }
  return cfg;
}
