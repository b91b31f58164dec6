/**
 * kubelab ingress controller: serves networking.k8s.io/v1 Ingresses of the classes `kubelab`
 * (the default) and `nginx` on HTTP and HTTPS, forwarding to the Services' ready endpoints.
 *
 * Environment: KUBELAB_APISERVER (apiserver:7000), KUBELAB_INGRESS_LISTEN (0.0.0.0),
 * KUBELAB_INGRESS_HTTP_LISTEN_PORT (80), KUBELAB_INGRESS_HTTPS_LISTEN_PORT (443),
 * KUBELAB_INGRESS_HTTP_PORT / KUBELAB_INGRESS_HTTPS_PORT (80 / 443: the host ports they are
 * published on, for redirects), KUBELAB_INGRESS_ADDRESS (127.0.0.1: the Ingresses' ADDRESS),
 * LOG_LEVEL.
 */
import type { EndpointSlice, KubeObject, Service } from '@kubelab/api';
import { ApiClient, credentialsFromEnv, Informer, env, runMain } from '@kubelab/client';
import { SlicesByService } from './backends.js';
import { CertStore, fakeCertificate, type Secret } from './certs.js';
import type { IngressClass } from './classes.js';
import { IngressController } from './controller.js';
import type { Ingress } from './routes.js';
import { IngressServer } from './server.js';

function port(name: string, fallback: string): number {
  const v = Number(env(name, fallback));
  if (!Number.isInteger(v) || v < 1 || v > 65535)
    throw new Error(`${name}: Invalid value: "${process.env[name]}": must be a port number from 1 to 65535`);
  return v;
}

runMain('ingress', async (signal, log) => {
  const apiserver = env('KUBELAB_APISERVER', 'apiserver:7000');
  const client = new ApiClient(apiserver, { credentials: credentialsFromEnv() });
  const inf = <T extends KubeObject>(resource: string): Informer<T> =>
    new Informer<T>(client, resource, {}, log.child({ informer: resource }));
  const services = inf<Service>('services');
  const slices = inf<EndpointSlice>('endpointslices');
  const secrets = inf<Secret>('secrets');
  const bySvc = new SlicesByService();
  slices.addHandlers({ add: (s) => bySvc.put(s), update: (o, n) => bySvc.put(n, o), delete: (s) => bySvc.remove(s) });
  const controller = new IngressController({
    api: client,
    ingresses: inf<Ingress & KubeObject>('ingresses'),
    classes: inf<IngressClass>('ingressclasses'),
    address: env('KUBELAB_INGRESS_ADDRESS', '127.0.0.1'),
    log,
  });
  const server = new IngressServer({
    table: () => controller.routes(),
    lookup: { service: (k) => services.get(k), slices: (k) => bySvc.of(k) },
    certs: new CertStore((k) => secrets.get(k)),
    fallback: await fakeCertificate(),
    log,
    publicHttpPort: port('KUBELAB_INGRESS_HTTP_PORT', '80'),
    publicHttpsPort: port('KUBELAB_INGRESS_HTTPS_PORT', '443'),
  });
  const host = env('KUBELAB_INGRESS_LISTEN', '0.0.0.0');
  const httpPort = port('KUBELAB_INGRESS_HTTP_LISTEN_PORT', '80');
  const httpsPort = port('KUBELAB_INGRESS_HTTPS_LISTEN_PORT', '443');
  const running = [services.run(signal), slices.run(signal), secrets.run(signal), controller.run(signal)];
  await server.listen(host, httpPort, httpsPort);
  log.info({ apiserver, host, httpPort, httpsPort }, 'ingress controller serving');
  try {
    await Promise.all(running);
  } finally {
    server.close();
    client.close();
  }
});
