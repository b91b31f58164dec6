/**
 * cluster-dns's life: informers over Services, EndpointSlices and the kube-dns ConfigMap feed the
 * zone and the upstream choice; the DNS server starts once the caches are synced (or after
 * SYNC_WAIT_MS without the apiserver, as CoreDNS does, answering from what it has); the kube-dns
 * Service's endpoints name this container (publish.ts), so kube-proxy forwards its ClusterIP here
 * as it does any other Service's.
 */
import type { Logger } from 'pino';
import type { ConfigMap, EndpointSlice, Service } from '@kubelab/api';
import { ApiClient, Informer, WorkQueue, waitForCacheSync } from '@kubelab/client';
import type { ClusterDnsConfig } from './config.js';
import { Forwarder } from './forward.js';
import { QueryHandler } from './handler.js';
import { interfaceAddress, publishEndpoints } from './publish.js';
import { serviceKey, clusterIPv4s } from './records.js';
import { DnsServer } from './server.js';
import { configMapUpstreams, upstreamsFor, type UpstreamConfig } from './upstreams.js';
import { Zone } from './zone.js';

const SYNC_WAIT_MS = 5000;

export interface RunDeps {
  cfg: ClusterDnsConfig;
  client: ApiClient;
  log: Logger;
  /** Called with the bound ports once the server listens (tests). */
  onListening?(ports: { udpPort: number; tcpPort: number }): void;
}

export async function runClusterDns(deps: RunDeps, signal: AbortSignal): Promise<void> {
  const { cfg, client, log } = deps;
  const zone = new Zone(cfg.domain);
  const services = new Informer<Service>(client, 'services', {}, log.child({ informer: 'services' }));
  const slices = new Informer<EndpointSlice>(client, 'endpointslices', {}, log.child({ informer: 'endpointslices' }));
  const [cmNamespace, cmName] = cfg.dnsService.split('/') as [string, string];
  const configMaps = new Informer<ConfigMap>(
    client,
    'configmaps',
    { namespace: cmNamespace, fieldSelector: `metadata.name=${cmName}` },
    log.child({ informer: 'configmaps' }),
  );
  const queue = new WorkQueue({ baseDelayMs: 500, maxDelayMs: 30_000 });

  services.addHandlers({
    add: (s) => onService(s),
    update: (_o, s) => onService(s),
    delete: (s) => {
      zone.deleteService(s);
      if (serviceKey(s) === cfg.dnsService) queue.add('publish');
    },
  });
  const onService = (s: Service): void => {
    zone.upsertService(s);
    if (serviceKey(s) === cfg.dnsService) queue.add('publish');
  };
  slices.addHandlers({
    add: (s) => zone.upsertSlice(s),
    update: (_o, s) => zone.upsertSlice(s),
    delete: (s) => zone.deleteSlice(s),
  });

  let upstreamCfg: UpstreamConfig = { upstreams: [], stubDomains: new Map() };
  const onConfigMap = (): void => {
    const cm = configMaps.get(`${cmNamespace}/${cmName}`);
    const parsed = configMapUpstreams(cm);
    if (parsed.errors.length)
      log.warn(
        { configMap: cfg.dnsService, errors: parsed.errors },
        'cluster-dns: ConfigMap has errors; the rest of it is used',
      );
    upstreamCfg = parsed;
    log.info(
      { upstreams: parsed.upstreams, stubDomains: [...parsed.stubDomains.keys()] },
      'cluster-dns: upstream resolvers from the ConfigMap',
    );
  };
  configMaps.addHandlers({ add: onConfigMap, update: onConfigMap, delete: onConfigMap });

  const ownAddress = (): string | undefined =>
    clusterIPv4s(services.get(cfg.dnsService) ?? { metadata: {}, spec: {} })[0];
  const forwarder = new Forwarder({ timeoutMs: cfg.forwardTimeoutMs, maxInFlight: cfg.maxForwards });
  const handler = new QueryHandler({
    zone,
    options: { ttl: cfg.ttl, reverseCidrs: cfg.reverseCidrs, dnsService: cfg.dnsService },
    forwarder,
    // Never ourselves: a resolver that sends us back what we forward would loop until the deadline.
    upstreams: (name) => upstreamsFor(name, upstreamCfg, cfg.upstreams).filter((u) => u.host !== ownAddress()),
  });
  const server = new DnsServer({ host: cfg.host, port: cfg.port, handler, log });

  const informers = [services.run(signal), slices.run(signal), configMaps.run(signal)];
  const inTime = await waitForCacheSync([services, slices], signal, { timeoutMs: SYNC_WAIT_MS });
  if (signal.aborted) return void (await Promise.allSettled(informers));
  if (!inTime) log.warn({ waitedMs: SYNC_WAIT_MS }, 'cluster-dns: caches not synced yet; serving what is known');
  const ports = await server.start();
  log.info(
    { ...ports, host: cfg.host, domain: cfg.domain, services: zone.size.services, upstreams: cfg.upstreams },
    'cluster-dns serving',
  );
  deps.onListening?.(ports);

  // Its endpoints name this container's own address: kube-proxy forwards the ClusterIP there.
  const handle = async (key: string): Promise<void> => {
    if (key !== 'publish') return;
    const svc = services.get(cfg.dnsService);
    const own = interfaceAddress(cfg.iface);
    if (svc && own) await publishEndpoints(client, svc, own, log);
  };
  if (services.hasSynced()) queue.add('publish');
  else void waitForCacheSync([services], signal).then((ok) => ok && queue.add('publish'));
  // Again now and then: the endpoints come back if someone removed them.
  const resync = setInterval(() => queue.add('publish'), 60_000);
  try {
    await queue.run(1, handle, signal, log);
  } finally {
    clearInterval(resync);
    await server.close();
    await Promise.allSettled(informers);
  }
}
