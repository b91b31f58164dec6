/**
 * kubelab apiserver: the only component that talks to etcd. Serves the Resources gRPC service
 * (KUBELAB_GRPC_PORT, default 7000) and the Kubernetes REST facade (KUBELAB_REST_PORT, 6443).
 */
import { runMain } from '@kubelab/client';
import { readConfig } from './config.js';
import { EtcdStore } from './storage/etcd.js';
import { runCompactor } from './storage/compactor.js';
import { waitForStore, withStoreRetry } from './storage/connect.js';
import { StoreRegistry } from './registry/registry.js';
import { bootstrap } from './registry/bootstrap.js';
import { startGrpcServer, stopGrpcServer } from './grpc/server.js';
import { startRestServer } from './rest/server.js';
import { ApiMetrics } from './telemetry/requests.js';
import { KubeletConnector } from './kubelets/connector.js';
import { loadServingPki } from './serving-pki.js';
import { withMetrics } from './rest/metrics/registry.js';
import { seedBootstrapToken } from './auth/seed-token.js';
import { bootstrapTokenAuthenticator } from './auth/bootstrap-token.js';
import { defaultEnforcement } from './auth/defaults.js';
import { RbacCache } from './auth/rbac/cache.js';
import { CsrController } from './certificates/controller.js';
import { serviceAccountTokens } from './serviceaccount/setup.js';
import { advertiseAddress, MasterEndpoints } from './endpoints/master.js';
import { systemClock } from '@kubelab/api';
import { watchClockSkew } from '@kubelab/client/clock-skew';

runMain('apiserver', async (signal, log) => {
  const cfg = readConfig();
  log.info(
    {
      etcd: cfg.etcdEndpoints,
      grpcPort: cfg.grpcPort,
      restPort: cfg.restPort,
      serviceCIDR: cfg.serviceCIDR,
      nodePortRange: cfg.nodePortRange,
    },
    'starting',
  );
  // The registry's timestamps and the tokens' times, skewed by `kubelab chaos clock-skew`.
  const clock = watchClockSkew({ log: log.child({ part: 'clock' }), signal });
  const store = new EtcdStore({ endpoints: cfg.etcdEndpoints, log: log.child({ part: 'etcd' }) });
  const revision = await waitForStore(store, log, signal);
  if (revision === undefined) return store.close();
  log.info({ revision }, 'connected to etcd');

  const registry = new StoreRegistry(store, {
    log: log.child({ part: 'registry' }),
    serviceCIDR: cfg.serviceCIDR,
    nodePortRange: cfg.nodePortRange,
    eventTTLSeconds: cfg.eventTTLSeconds,
    clock,
  });
  await withStoreRetry('bootstrap', () => bootstrap(registry, { serviceCIDR: cfg.serviceCIDR, log }), log, signal);
  if (cfg.compactIntervalSeconds > 0)
    void runCompactor(store, cfg.compactIntervalSeconds * 1000, log.child({ part: 'compactor' }), signal);

  const pki = await loadServingPki(cfg, log);
  if (pki && !pki.kubeletClient)
    log.warn(
      'no kubelet-client.crt/.key in the PKI: the kubelets are dialled with plain gRPC (and, when they serve TLS, refuse)',
    );
  const kubelets = new KubeletConnector({
    registry,
    log: log.child({ part: 'kubelets' }),
    ...(pki?.kubeletClient ? { clientCert: pki.kubeletClient } : {}),
  });
  // Bootstrap tokens are bootstrap-token Secrets in kube-system; the lab's own (the PKI directory's) becomes one.
  const bootstrapToken = pki?.bootstrapToken;
  if (bootstrapToken)
    await withStoreRetry('bootstrap token', () => seedBootstrapToken(registry, bootstrapToken, log), log, signal);
  const bootstrapTokens = bootstrapTokenAuthenticator(registry, { log: log.child({ part: 'bootstrap-tokens' }) });
  if (pki && !pki.serviceAccountKey)
    log.warn('no sa.key/sa.pub in the PKI: no ServiceAccount tokens are issued or accepted');
  const sa = pki?.serviceAccountKey
    ? serviceAccountTokens(
        registry,
        pki.serviceAccountKey,
        cfg.serviceAccountIssuer,
        clock,
        log.child({ part: 'serviceaccount-tokens' }),
      )
    : undefined;
  const saOpts = sa ? { tokens: sa.issuer, serviceAccountTokens: sa.authenticate } : {};
  const grpcTls = pki && {
    cert: pki.tls.cert,
    key: pki.tls.key,
    authn: {
      caCert: pki.tls.clientCA,
      adminToken: pki.token,
      tokens: [bootstrapTokens, ...(sa ? [sa.authenticate] : [])],
    },
  };
  const rbac = new RbacCache(registry, log.child({ part: 'rbac' }));
  const rbacRun = rbac.run(signal);
  // Pods get their ServiceAccount's token volume when this apiserver issues tokens.
  const enforcement = defaultEnforcement(registry, rbac.source, {
    serviceAccounts: sa !== undefined,
    log: log.child({ part: 'admission' }),
  });
  const metrics = new ApiMetrics();
  const grpc = await startGrpcServer({
    registry: withMetrics(registry, kubelets, log.child({ part: 'metrics' })),
    port: cfg.grpcPort,
    log,
    enforcement,
    metrics,
    ...(grpcTls ? { tls: grpcTls } : {}),
    ...(sa ? { tokens: sa.issuer } : {}),
  });
  const rest = await startRestServer({
    registry,
    port: cfg.restPort,
    log,
    signal,
    kubelets,
    streams: kubelets.streamBackends(),
    bootstrapTokens,
    enforcement,
    metrics,
    ...saOpts,
    ...(pki ? { tls: pki.tls, token: pki.token } : {}),
  });
  const ca = pki?.caKey ? { cert: pki.tls.clientCA, key: pki.caKey } : undefined;
  if (!ca)
    log.warn('no cluster CA key in the PKI directory (ca.key): CertificateSigningRequests are approved but not signed');
  const csrs = new CsrController({
    registry,
    authorizer: enforcement.authorizer,
    ...(ca ? { ca } : {}),
    log: log.child({ part: 'csr' }),
  }).run(signal);
  const ip = cfg.advertiseAddress ?? (cfg.advertiseCidr ? advertiseAddress(cfg.advertiseCidr) : undefined);
  if (!ip)
    log.warn(
      { cidr: cfg.advertiseCidr },
      "no advertise address (KUBELAB_ADVERTISE_ADDRESS, or an address inside KUBELAB_ADVERTISE_CIDR): this apiserver is not in the kubernetes Service's endpoints",
    );
  const endpoints = ip
    ? new MasterEndpoints({
        registry,
        ip,
        port: cfg.restPort,
        clock: systemClock,
        log: log.child({ part: 'kubernetes-endpoints' }),
      }).run(signal)
    : Promise.resolve();
  log.info({ grpcPort: grpc.port, restPort: cfg.restPort, advertiseAddress: ip }, 'apiserver ready');

  if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  log.info('stopping servers');
  await Promise.all([
    stopGrpcServer(grpc.server),
    new Promise<void>((resolve) => {
      rest.close(() => resolve());
      rest.closeAllConnections();
    }),
  ]);
  kubelets.close();
  await csrs;
  await endpoints;
  await rbacRun;
  await registry.close();
  await store.close();
  log.info('apiserver stopped');
});
