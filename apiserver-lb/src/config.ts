/**
 * apiserver-lb settings, from the environment:
 *   KUBELAB_LB_BACKENDS [apiserver]     names (or IPs) of the apiservers, comma-separated; each name
 *                                       may resolve to several addresses (the lab's `apiserver`
 *                                       alias names every apiserver) and is looked up again every check
 *   KUBELAB_LB_PORTS [6443,7000]        ports to listen on; each forwards to the same port of a backend
 *   KUBELAB_LB_HEALTH_PORT [6443]       HTTPS port of the health check (GET /readyz, certificate not checked)
 *   KUBELAB_LB_CHECK_INTERVAL_MS [1000], KUBELAB_LB_CHECK_TIMEOUT_MS [2000]
 *   KUBELAB_LB_CONNECT_TIMEOUT_MS [250]  before the next apiserver is tried: a killed apiserver's
 *                                       address stops answering at all (no refusal), while a live
 *                                       one's kernel completes the handshake in well under a millisecond
 */

export interface LbConfig {
  backends: string[];
  ports: number[];
  healthPort: number;
  healthPath: string;
  checkIntervalMs: number;
  checkTimeoutMs: number;
  connectTimeoutMs: number;
}

function port(name: string, raw: string): number {
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`${name}: Invalid value: "${raw}": must be a port number from 1 to 65535`);
  return n;
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name}: Invalid value: "${raw}": must be a positive number of milliseconds`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LbConfig {
  const list = (raw: string | undefined, fallback: string): string[] =>
    (raw?.trim() ? raw : fallback)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const backends = list(env.KUBELAB_LB_BACKENDS, 'apiserver');
  if (backends.length === 0) throw new Error('KUBELAB_LB_BACKENDS: Required value: name at least one apiserver');
  return {
    backends,
    ports: list(env.KUBELAB_LB_PORTS, '6443,7000').map((p) => port('KUBELAB_LB_PORTS', p)),
    healthPort: port('KUBELAB_LB_HEALTH_PORT', env.KUBELAB_LB_HEALTH_PORT?.trim() || '6443'),
    healthPath: '/readyz',
    checkIntervalMs: positive('KUBELAB_LB_CHECK_INTERVAL_MS', env.KUBELAB_LB_CHECK_INTERVAL_MS, 1_000),
    checkTimeoutMs: positive('KUBELAB_LB_CHECK_TIMEOUT_MS', env.KUBELAB_LB_CHECK_TIMEOUT_MS, 2_000),
    connectTimeoutMs: positive('KUBELAB_LB_CONNECT_TIMEOUT_MS', env.KUBELAB_LB_CONNECT_TIMEOUT_MS, 250),
  };
}
