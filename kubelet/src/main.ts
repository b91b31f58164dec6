/** kubelet entry point: read the environment, build the real dependencies, run until signalled. */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import './runtime/no-ssh2.js'; // before dockerode: see there
import Dockerode from 'dockerode';
import type { PersistentVolume, Pod } from '@kubelab/api';
import { watchClockSkew } from '@kubelab/client/clock-skew';
import { ApiClient, Informer, credentialsFromEnv, runMain } from '@kubelab/client';
import { loadConfig } from './config.js';
import { dnsSettingsFromEnv } from './dns/poddns.js';
import { runKubelet } from './kubelet.js';
import { DockerRuntime } from './runtime/docker.js';
import type { ContainerRuntime } from './runtime/runtime.js';
import { timedRuntime } from './runtime/timed.js';
import { kubeletPortFromEnv } from './server/config.js';
import { nodeServingCert, servingAnnotation, type KubeletTls } from './server/tls.js';
import { becomeNode, certDirFromEnv } from './credentials.js';

/** The node's resolver for dnsPolicy Default: the kubelet container's own (Docker's embedded DNS). */
function readResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

runMain('kubelet', async (signal, log) => {
  const cfg = loadConfig(process.env, process.argv.slice(2));
  const credentials = credentialsFromEnv();
  const certDir = certDirFromEnv(process.env);
  const client = new ApiClient(cfg.apiserver, { credentials });
  // The node's clock (heartbeats, Lease renewals, pod times), skewed by `kubelab chaos clock-skew`.
  const clock = watchClockSkew({ log: log.child({ part: 'clock' }), signal });
  if (cfg.runtime === 'hollow') {
    // Every hollow node is a node of its own to the apiserver: its own client and certificate.
    const clients = new Map<string, ApiClient>();
    const apiFor = (node: string): ApiClient => {
      if (!clients.has(node)) clients.set(node, new ApiClient(cfg.apiserver, { credentials }));
      return clients.get(node)!;
    };
    const podsOf = (node: string): Informer<Pod> =>
      new Informer<Pod>(
        apiFor(node),
        'pods',
        { fieldSelector: `spec.nodeName=${node}` },
        log.child({ informer: 'pods', node }),
      );
    const { runHollowKubelets } = await import('./hollow.js'); // hollow nodes only: not loaded by a real kubelet
    try {
      await runHollowKubelets(
        {
          cfg,
          api: client,
          apiFor,
          clock,
          log,
          hostname: os.hostname(),
          newPodSource: podsOf,
          prepare: async (node, nlog, sig) => (
            await becomeNode(apiFor(node.name), credentials, node.name, certDir, nlog, sig), {}
          ),
        },
        signal,
      );
    } finally {
      for (const c of [client, ...clients.values()]) c.close();
    }
    return;
  }
  const newPodSource = (node: string): Informer<Pod> =>
    new Informer<Pod>(
      client,
      'pods',
      { fieldSelector: `spec.nodeName=${node}` },
      log.child({ informer: 'pods', node }),
    );
  const docker = new Dockerode();
  const dns = dnsSettingsFromEnv(process.env, readResolvConf());
  const kubeletPort = kubeletPortFromEnv(process.env);
  // The kubelet API over TLS with a serving certificate of the node's own, published on the Node
  // (plain gRPC only with KUBELAB_API_INSECURE=1, the tests' setting).
  let serving: KubeletTls | undefined;
  const prepare = async (
    node: { name: string; hostIP: string },
    nlog: typeof log,
    sig: AbortSignal,
  ): Promise<{ annotations?: Record<string, string> }> => {
    if (credentials.insecure) return {};
    await becomeNode(client, credentials, node.name, certDir, nlog, sig);
    const pair = await nodeServingCert(node.name, node.hostIP);
    serving = { ca: credentials.ca, ...pair };
    return { annotations: servingAnnotation(pair) };
  };
  const runtimeFor = (node: string): ContainerRuntime => {
    const rt = dockerRuntimeFor(node);
    return cfg.runtimeTiming ? timedRuntime(rt, log.child({ node })) : rt;
  };
  const dockerRuntimeFor = (node: string): DockerRuntime =>
    new DockerRuntime({
      docker,
      cluster: cfg.cluster,
      node,
      network: cfg.network,
      pauseImage: cfg.pauseImage,
      pauseCommand: cfg.pauseCommand,
      log,
      timeoutMs: cfg.dockerTimeoutSeconds * 1000,
      pullTimeoutMs: cfg.imagePullTimeoutSeconds * 1000,
      refreshPullTimeoutMs: cfg.imageRefreshTimeoutSeconds * 1000,
      concurrency: cfg.dockerConcurrency,
      dns,
    });
  try {
    await runKubelet(
      {
        cfg,
        api: client,
        clock,
        log,
        hostname: os.hostname(),
        probeRuntime: runtimeFor(''),
        newRuntime: runtimeFor,
        kubeletPort,
        prepare,
        serveApi: async (node, runtime, nlog, sig) => {
          // Loaded while the node registers (not before the kubelet first calls the apiserver).
          const [{ runKubeletServer }, { RuntimeBackend }, { OwnUsage }] = await Promise.all([
            import('./server/server.js'),
            import('./server/runtimebackend.js'),
            import('./server/ownusage.js'),
          ]);
          await runKubeletServer(
            {
              port: kubeletPort,
              log: nlog,
              ...(serving ? { tls: serving } : {}),
              backend: new RuntimeBackend({
                runtime,
                cluster: cfg.cluster,
                node,
                network: cfg.network,
                log: nlog,
                own: new OwnUsage(),
              }),
            },
            sig,
          );
        },
        newPodSource,
        newVolumeSource: () =>
          new Informer<PersistentVolume>(client, 'persistentvolumes', {}, log.child({ informer: 'persistentvolumes' })),
      },
      signal,
    );
  } finally {
    client.close();
  }
});
