/**
 * kube-proxy: Services and EndpointSlices → ClusterIP and load-balancer IP /32s on its interface
 * and user-space TCP/UDP forwarding (cluster IP ports, load-balancer IP ports, and node ports).
 *
 * Environment: KUBELAB_APISERVER (apiserver:7000), KUBELAB_PROXY_IFACE (eth0), KUBELAB_IP_CMD
 * (/bin/ip; may carry arguments, e.g. "busybox ip"), KUBELAB_SERVICE_CIDR (10.244.128.0/18),
 * KUBELAB_LB_POOL (10.244.192.0/24; load-balancer IPs it may bind, allocated by the
 * controller-manager), KUBELAB_NODEPORT_ADDRESS (0.0.0.0), KUBELAB_PROXY_CONNECT_TIMEOUT_MS
 * (3000), KUBELAB_PROXY_UDP_IDLE_MS (30000), LOG_LEVEL.
 */
import type { EndpointSlice, Pod, Service } from '@kubelab/api';
import { ApiClient, Informer, WorkQueue, env, runMain } from '@kubelab/client';
import { SocketListenerFactory } from './factory.js';
import { runLoop, serviceQueueKey } from './loop.js';
import { IpCommandAddressManager } from './netlink.js';
import { PodNodes } from './pod-nodes.js';
import { Proxier } from './proxier.js';
import { SliceIndex } from './slices.js';

function positiveInt(name: string, fallback: string): number {
  const v = Number(env(name, fallback));
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name}: Invalid value: ${process.env[name]}: must be a positive integer`);
  return v;
}

runMain('kube-proxy', async (signal, log) => {
  const apiserver = env('KUBELAB_APISERVER', 'apiserver:7000');
  const iface = env('KUBELAB_PROXY_IFACE', 'eth0');
  const serviceCidr = env('KUBELAB_SERVICE_CIDR', '10.244.128.0/18');
  const lbPool = env('KUBELAB_LB_POOL', '10.244.192.0/24');
  const client = new ApiClient(apiserver);
  const services = new Informer<Service>(client, 'services', {}, log.child({ informer: 'services' }));
  const slices = new Informer<EndpointSlice>(client, 'endpointslices', {}, log.child({ informer: 'endpointslices' }));
  const pods = new Informer<Pod>(client, 'pods', {}, log.child({ informer: 'pods' }));
  const sliceIndex = new SliceIndex();
  const podNodes = new PodNodes();
  const queue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 30_000 });
  const proxier = new Proxier({
    services,
    slices: (k) => sliceIndex.of(k),
    addresses: new IpCommandAddressManager(env('KUBELAB_IP_CMD', '/bin/ip'), iface),
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
  log.info({ apiserver, iface, serviceCidr, lbPool }, 'kube-proxy starting');
  try {
    await runLoop({ services, slices, sliceIndex, pods, podNodes, proxier, queue, log }, signal);
  } finally {
    client.close();
  }
});
