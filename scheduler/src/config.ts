/** scheduler settings, from the environment. */

/**
 * Binds sent and not yet answered, at most (upstream binds each pod in a goroutine of its own,
 * unbounded). With 64, the scheduler and the apiserver were each idle for much of a burst (60 % and
 * a third of bench/scheduler's bind phase): the binds waited in the pipeline, not for CPU. More at
 * once fill each etcd commit and BindMany call: bench/scheduler 1000:1000 bound ~1,100 pods/s with
 * 64, ~1,300–1,450 with 256 (bind p99 ~270 ms), ~1,500 with 512 (bind p99 450–670 ms, which any
 * other write then waits behind).
 */
export const DEFAULT_BINDS_IN_FLIGHT = 256;

export interface Config {
  /** KUBELAB_APISERVER: gRPC address of the apiserver (default apiserver:7000). */
  apiserver: string;
  /** KUBELAB_SCHEDULER_NAME: pods whose spec.schedulerName is this (or empty) are ours (default default-scheduler). */
  schedulerName: string;
  /** KUBELAB_SCHEDULER_WORKERS: pods scheduled/bound concurrently (default 16). */
  workers: number;
  /** KUBELAB_SCHEDULER_BINDS_IN_FLIGHT: binds sent and not yet answered, at most (default 256). */
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
    bindsInFlight: positiveInt(env, 'KUBELAB_SCHEDULER_BINDS_IN_FLIGHT', DEFAULT_BINDS_IN_FLIGHT),
    bindsPerCall: positiveInt(env, 'KUBELAB_SCHEDULER_BINDS_PER_CALL', 32),
  };
}
