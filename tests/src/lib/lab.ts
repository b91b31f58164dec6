/**
 * The lab the end-to-end tests run against: a compose project of its own, on its own network and
 * ports, so that a developer's `./kubelab up` lab is left alone. KUBELAB_E2E_SLOT=1..9 picks
 * another set (name, subnet, ports) so that two e2e runs on one machine do not collide.
 */
const slot = Number(process.env.KUBELAB_E2E_SLOT ?? 0);
if (!Number.isInteger(slot) || slot < 0 || slot > 9)
  throw new Error(`KUBELAB_E2E_SLOT: Invalid value: "${process.env.KUBELAB_E2E_SLOT}": must be an integer from 0 to 9`);
const name = slot ? `kubelab-e2e-${slot}` : 'kubelab-e2e';
// KUBELAB_E2E_OCTET overrides the second octet of the subnet when a slot's range is taken by another network.
// Slots 0-7 use 10.247-10.254, 8 and 9 use 10.245 and 10.246: never 10.255, which holds this machine's DNS server.
const octet = Number(process.env.KUBELAB_E2E_OCTET ?? (slot <= 7 ? 247 + slot : 237 + slot));
const ports = 31100 + slot * 20;

export const E2E_ENV: Record<string, string> = {
  KUBELAB_PROJECT: name,
  KUBELAB_CLUSTER: name,
  KUBELAB_NETWORK: name,
  KUBELAB_SUBNET: `10.${octet}.0.0/16`,
  KUBELAB_POD_RANGE: `10.${octet}.0.0/17`,
  KUBELAB_SERVICE_CIDR: `10.${octet}.128.0/18`,
  KUBELAB_LB_POOL: `10.${octet}.192.0/24`,
  KUBELAB_INGRESS_HTTP_PORT: String(18080 + slot),
  KUBELAB_INGRESS_HTTPS_PORT: String(18443 + slot),
  KUBELAB_API_PORT: String(16444 + slot),
  KUBELAB_API_GRPC_PORT: String(17000 + slot),
  KUBELAB_NODEPORT_RANGE: `${ports}-${ports + 19}`,
  KUBELAB_OFFLINE_IMAGES: '1',
};

export const repoRoot = new URL('../../../', import.meta.url).pathname;
