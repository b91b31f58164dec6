/**
 * The lab the end-to-end tests run against: a compose project of its own, on its own network and
 * ports, so that a developer's `./kubelab up` lab is left alone.
 */
export const E2E_ENV: Record<string, string> = {
  KUBELAB_PROJECT: 'kubelab-e2e',
  KUBELAB_CLUSTER: 'kubelab-e2e',
  KUBELAB_NETWORK: 'kubelab-e2e',
  KUBELAB_SUBNET: '10.247.0.0/16',
  KUBELAB_POD_RANGE: '10.247.0.0/17',
  KUBELAB_SERVICE_CIDR: '10.247.128.0/17',
  KUBELAB_API_PORT: '16444',
  KUBELAB_NODEPORT_RANGE: '31100-31119',
  KUBELAB_OFFLINE_IMAGES: '1',
};

export const repoRoot = new URL('../../../', import.meta.url).pathname;
