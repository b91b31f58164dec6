/** scheduler settings, from the environment. */

export interface Config {
  /** KUBELAB_APISERVER: gRPC address of the apiserver (default apiserver:7000). */
  apiserver: string;
  /** KUBELAB_SCHEDULER_NAME: pods whose spec.schedulerName is this (or empty) are ours (default default-scheduler). */
  schedulerName: string;
  /** KUBELAB_SCHEDULER_WORKERS: pods scheduled/bound concurrently (default 16). */
  workers: number;
  /** KUBELAB_SCHEDULER_BINDS_IN_FLIGHT: binds sent and not yet answered, at most (default 64). */
  bindsInFlight: number;
  /** KUBELAB_SCHEDULER_BINDS_PER_CALL: binds of one turn sent in one BindMany call, at most (default 32). */
  bindsPerCall: number;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name];
  const n = raw ? Number(raw) : dflt;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: Invalid value: "${raw}": must be a positive integer`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const workers = positiveInt(env, 'KUBELAB_SCHEDULER_WORKERS', 16);
  return {
    apiserver: env.KUBELAB_APISERVER || 'apiserver:7000',
    schedulerName: env.KUBELAB_SCHEDULER_NAME || 'default-scheduler',
    workers,
    bindsInFlight: positiveInt(env, 'KUBELAB_SCHEDULER_BINDS_IN_FLIGHT', 64),
    bindsPerCall: positiveInt(env, 'KUBELAB_SCHEDULER_BINDS_PER_CALL', 32),
  };
}
