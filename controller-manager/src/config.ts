/** controller-manager settings, from the environment. */

export const ALL_CONTROLLERS = [
  'deployment',
  'replicaset',
  'endpoints',
  'endpointslice',
  'job',
  'cronjob',
  'daemonset',
  'statefulset',
  'serviceaccount',
  'root-ca-cert-publisher',
  'clusterrole-aggregation',
  'garbagecollector',
  'nodelifecycle',
  'loadbalancer',
  'persistentvolume-binder',
  'volume-provisioner',
  'storage-protection',
  'horizontalpodautoscaling',
  'disruption',
] as const;
export type ControllerName = (typeof ALL_CONTROLLERS)[number];

export interface Config {
  /** KUBELAB_APISERVER: gRPC address of the apiserver (default apiserver:7000). */
  apiserver: string;
  /** KUBELAB_NODE_GRACE_SECONDS: heartbeat silence before a node is marked Unknown (default 40). */
  nodeGraceSeconds: number;
  /** KUBELAB_POD_EVICTION_SECONDS: not-ready time before a node's pods are deleted (default 60). */
  podEvictionSeconds: number;
  /** KUBELAB_NODE_MONITOR_PERIOD_SECONDS: how often node health is checked (default 5). */
  nodeMonitorPeriodSeconds: number;
  /** KUBELAB_CONTROLLERS: comma-separated names, "*" for all (default), "-name" to leave one out. */
  controllers: Set<ControllerName>;
  /** KUBELAB_CLUSTER: the cluster id (the provisioner's Docker volume names start with it). */
  cluster: string;
  /** KUBELAB_HPA_SYNC_PERIOD_SECONDS: how often each HPA is evaluated (upstream's default 15). */
  hpaSyncSeconds: number;
  /** KUBELAB_HPA_DOWNSCALE_STABILIZATION_SECONDS: scale-down stabilization window of HPAs without behavior (upstream's default 300). */
  hpaDownscaleStabilizationSeconds: number;
  /** KUBELAB_LB_POOL: LoadBalancer addresses (default 10.244.192.0/24); never inside KUBELAB_SERVICE_CIDR. */
  lbPool: string;
  /** KUBELAB_SERVICE_CIDR (default 10.244.128.0/18): only checked against the pool. */
  serviceCIDR: string;
  /** KUBELAB_ROOT_CA_FILE, else KUBELAB_API_CA_FILE: the CA certificate published as kube-root-ca.crt (unset: that controller is off). */
  rootCaFile?: string;
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`${name}: Invalid value: "${raw}": must be a non-negative number of seconds`);
  return n;
}

export function parseControllers(raw: string | undefined): Set<ControllerName> {
  const out = new Set<ControllerName>();
  const terms = (raw ?? '*')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const t of terms) {
    if (t === '*') ALL_CONTROLLERS.forEach((c) => out.add(c));
    else if (t.startsWith('-')) out.delete(checkName(t.slice(1)));
    else out.add(checkName(t));
  }
  return out;
}

function checkName(n: string): ControllerName {
  if ((ALL_CONTROLLERS as readonly string[]).includes(n)) return n as ControllerName;
  throw new Error(
    `KUBELAB_CONTROLLERS: Unsupported value: "${n}": supported values: "*", ${ALL_CONTROLLERS.map((c) => `"${c}"`).join(', ')}`,
  );
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    apiserver: env.KUBELAB_APISERVER || 'apiserver:7000',
    nodeGraceSeconds: seconds(env, 'KUBELAB_NODE_GRACE_SECONDS', 40),
    podEvictionSeconds: seconds(env, 'KUBELAB_POD_EVICTION_SECONDS', 60),
    nodeMonitorPeriodSeconds: seconds(env, 'KUBELAB_NODE_MONITOR_PERIOD_SECONDS', 5),
    controllers: parseControllers(env.KUBELAB_CONTROLLERS),
    cluster: env.KUBELAB_CLUSTER || 'kubelab',
    hpaSyncSeconds: seconds(env, 'KUBELAB_HPA_SYNC_PERIOD_SECONDS', 15),
    hpaDownscaleStabilizationSeconds: seconds(env, 'KUBELAB_HPA_DOWNSCALE_STABILIZATION_SECONDS', 300),
    lbPool: env.KUBELAB_LB_POOL || '10.244.192.0/24',
    serviceCIDR: env.KUBELAB_SERVICE_CIDR || '10.244.128.0/18',
    ...(env.KUBELAB_ROOT_CA_FILE || env.KUBELAB_API_CA_FILE
      ? { rootCaFile: (env.KUBELAB_ROOT_CA_FILE || env.KUBELAB_API_CA_FILE) as string }
      : {}),
  };
}
