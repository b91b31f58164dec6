/**
 * kube-proxy: Services and EndpointSlices → forwarding to ready endpoints, for ClusterIPs,
 * load-balancer IPs and node ports. The service CIDR and the LB pool are made local to its
 * network namespace with one route each. Mode nftables (the default where `nft` works): kernel
 * DNAT and masquerade; mode userspace: Node.js TCP/UDP forwarders.
 *
 * Environment: KUBELAB_APISERVER (apiserver:7000; several as "a:7000,b:7000"), KUBELAB_PROXY_MODE (nftables | userspace;
 * default: nftables when the nft command works), KUBELAB_PROXY_IFACE (eth0), KUBELAB_IP_CMD
 * (/bin/ip; may carry arguments), KUBELAB_NFT_CMD (nft), KUBELAB_CONNTRACK_CMD (conntrack),
 * KUBELAB_SERVICE_CIDR (10.244.128.0/18), KUBELAB_LB_POOL (10.244.192.0/24),
 * KUBELAB_NODEPORT_ADDRESS (0.0.0.0, userspace), KUBELAB_PROXY_CONNECT_TIMEOUT_MS (3000,
 * userspace), KUBELAB_PROXY_UDP_IDLE_MS (30000, userspace), LOG_LEVEL.
 */
import { SERVICE_PROXY_NAME_LABEL, type EndpointSlice, type Pod, type Service } from '@kubelab/api';
import { ApiClient, credentialsFromEnv, Informer, WorkQueue, env, runMain } from '@kubelab/client';
import { runWithInput } from './exec.js';
import { SocketListenerFactory } from './factory.js';
import { runLoop, serviceQueueKey, type ServiceProxier } from './loop.js';
import { IpCommandAddressManager, LocalRouteAddressManager, addLocalRoute } from './netlink.js';
import { NftProxier } from './nft-proxier.js';
import { POD_NODES_SELECTOR, PodNodes } from './pod-nodes.js';
import { Proxier } from './proxier.js';
import { SliceIndex } from './slices.js';

function positiveInt(name: string, fallback: string): number {
  const v = Number(env(name, fallback));
  if (!Number.isInteger(v) || v <= 0)
    throw new Error(`${name}: Invalid value: ${process.env[name]}: must be a positive integer`);
  return v;
}

async function works(cmd: string, args: string[]): Promise<boolean> {
  return runWithInput(cmd, args, '', 10_000).then(
    () => true,
    () => false,
  );
}

runMain('kube-proxy', async (signal, log) => {
  const apiserver = env('KUBELAB_APISERVER', 'apiserver:7000');
  const iface = env('KUBELAB_PROXY_IFACE', 'eth0');
  const ipCmd = env('KUBELAB_IP_CMD', '/bin/ip');
  const serviceCidr = env('KUBELAB_SERVICE_CIDR', '10.244.128.0/18');
  const lbPool = env('KUBELAB_LB_POOL', '10.244.192.0/24');
  const nftCmd = env('KUBELAB_NFT_CMD', 'nft');
  const conntrackCmd = env('KUBELAB_CONNTRACK_CMD', 'conntrack');
  let mode = env('KUBELAB_PROXY_MODE', '');
  if (mode === '') mode = (await works(nftCmd, ['list', 'tables'])) ? 'nftables' : 'userspace';
  if (mode !== 'nftables' && mode !== 'userspace')
    throw new Error(`KUBELAB_PROXY_MODE: Unsupported value: "${mode}": supported values: "nftables", "userspace"`);
  for (const cidr of [serviceCidr, lbPool]) await addLocalRoute(ipCmd, iface, cidr);

  const client = new ApiClient(apiserver, { credentials: credentialsFromEnv() });
  // As upstream: a Service labelled service.kubernetes.io/service-proxy-name is another proxy's.
  const services = new Informer<Service>(
    client,
    'services',
    { labelSelector: `!${SERVICE_PROXY_NAME_LABEL}` },
    log.child({ informer: 'services' }),
  );
  const slices = new Informer<EndpointSlice>(client, 'endpointslices', {}, log.child({ informer: 'endpointslices' }));
  const pods = new Informer<Pod>(
    client,
    'pods',
    { fieldSelector: POD_NODES_SELECTOR },
    log.child({ informer: 'pods' }),
  );
  const sliceIndex = new SliceIndex();
  const podNodes = new PodNodes();
  const queue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 30_000 });
  let proxier: ServiceProxier;
  if (mode === 'nftables') {
    const conntrack = (await works(conntrackCmd, ['--version'])) ? conntrackCmd : undefined;
    if (!conntrack)
      log.warn(`${conntrackCmd} does not run: connections to removed endpoints are not cut (they time out)`);
    proxier = new NftProxier({
      services,
      slices: (k) => sliceIndex.of(k),
      nodePods: () => podNodes.byNode(),
      run: runWithInput,
      log,
      serviceCidr,
      lbPool,
      nftCmd,
      conntrackCmd: conntrack,
    });
  } else {
    proxier = new Proxier({
      services,
      slices: (k) => sliceIndex.of(k),
      addresses: new LocalRouteAddressManager(new IpCommandAddressManager(ipCmd, iface)),
      listeners: new SocketListenerFactory(log, {
        connectTimeoutMs: positiveInt('KUBELAB_PROXY_CONNECT_TIMEOUT_MS', '3000'),
        udpIdleTimeoutMs: positiveInt('KUBELAB_PROXY_UDP_IDLE_MS', '30000'),
      }),
      log,
      serviceCidr,
      lbPool,
      nodePortHost: env('KUBELAB_NODEPORT_ADDRESS', '0.0.0.0'),
      nodeOf: (ip) => podNodes.nodeOf(ip),
      requeue: (k) => queue.add(serviceQueueKey(k)),
    });
  }
  log.info({ apiserver, mode, iface, serviceCidr, lbPool }, 'kube-proxy starting');
  try {
    await runLoop({ services, slices, sliceIndex, pods, podNodes, proxier, queue, log }, signal);
  } finally {
    client.close();
  }
});
