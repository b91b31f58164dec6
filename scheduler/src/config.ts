/** scheduler settings, from the environment. */

export interface Config {
  /** KUBELAB_APISERVER: gRPC address of the apiserver (default apiserver:7000). */
  apiserver: string;
  /** KUBELAB_SCHEDULER_NAME: pods whose spec.schedulerName is this (or empty) are ours (default default-scheduler). */
  schedulerName: string;
  /** KUBELAB_SCHEDULER_WORKERS: pods scheduled/bound concurrently (default 16). */
  workers: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const rawWorkers = env.KUBELAB_SCHEDULER_WORKERS;
  const workers = rawWorkers ? Number(rawWorkers) : 16;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`KUBELAB_SCHEDULER_WORKERS: Invalid value: "${rawWorkers}": must be a positive integer`);
  return {
    apiserver: env.KUBELAB_APISERVER || 'apiserver:7000',
    schedulerName: env.KUBELAB_SCHEDULER_NAME || 'default-scheduler',
    workers,
  };
}
