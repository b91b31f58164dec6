/**
 * kube-proxy: Services and Endpoints → ClusterIP /32s on its interface and userspace TCP/UDP
 * forwarding (cluster IP ports, and node ports for NodePort/LoadBalancer services).
 *
 * Environment: KUBELAB_APISERVER (apiserver:7000; several as "a:7000,b:7000"), KUBELAB_PROXY_IFACE (eth0), KUBELAB_IP_CMD
 * (/bin/ip; may carry arguments, e.g. "busybox ip"), KUBELAB_SERVICE_CIDR (10.244.128.0/17),
 * KUBELAB_LB_IP (127.0.0.1), KUBELAB_NODEPORT_ADDRESS (0.0.0.0), KUBELAB_PROXY_CONNECT_TIMEOUT_MS
 * (3000), KUBELAB_PROXY_UDP_IDLE_MS (30000), LOG_LEVEL.
 */
import type { Endpoints, Service } from '@kubelab/api';
import { ApiClient, Informer, env, runMain } from '@kubelab/client';
import { SocketListenerFactory } from './factory.js';
import { runLoop } from './loop.js';
import { IpCommandAddressManager } from './netlink.js';
import { Proxier } from './proxier.js';

function positiveInt(name: string, fallback: string): number {
  const v = Number(env(name, fallback));
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name}: Invalid value: ${process.env[name]}: must be a positive integer`);
  return v;
}

runMain('kube-proxy', async (signal, log) => {
  const apiserver = env('KUBELAB_APISERVER', 'apiserver:7000');
  const iface = env('KUBELAB_PROXY_IFACE', 'eth0');
  const serviceCidr = env('KUBELAB_SERVICE_CIDR', '10.244.128.0/17');
  const client = new ApiClient(apiserver);
  const services = new Informer<Service>(client, 'services', {}, log.child({ informer: 'services' }));
  const endpoints = new Informer<Endpoints>(client, 'endpoints', {}, log.child({ informer: 'endpoints' }));
  const proxier = new Proxier({
    services,
    endpoints,
    addresses: new IpCommandAddressManager(env('KUBELAB_IP_CMD', '/bin/ip'), iface),
    listeners: new SocketListenerFactory(log, {
      connectTimeoutMs: positiveInt('KUBELAB_PROXY_CONNECT_TIMEOUT_MS', '3000'),
      udpIdleTimeoutMs: positiveInt('KUBELAB_PROXY_UDP_IDLE_MS', '30000'),
    }),
    log,
    serviceCidr,
    nodePortHost: env('KUBELAB_NODEPORT_ADDRESS', '0.0.0.0'),
  });
  log.info({ apiserver, iface, serviceCidr }, 'kube-proxy starting');
  try {
    await runLoop({ services, endpoints, proxier, status: client, lbIP: env('KUBELAB_LB_IP', '127.0.0.1'), log }, signal);
  } finally {
    client.close();
  }
});
