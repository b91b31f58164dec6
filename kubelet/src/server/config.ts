/** KUBELAB_KUBELET_PORT: the port of the kubelet gRPC API (default 10250). */
export function kubeletPortFromEnv(env: Record<string, string | undefined>): number {
  const raw = env['KUBELAB_KUBELET_PORT']?.trim();
  if (!raw) return 10250;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`KUBELAB_KUBELET_PORT: Invalid value: "${raw}": must be a port number between 0 and 65535`);
  return n;
}
