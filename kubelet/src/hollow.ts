/**
 * Hollow kubelets (kubemark-style): one process runs N nodes, each with its own node agent, lease,
 * pod informer, pod workers and housekeeping, over the hollow runtime (no Docker). Probes and hooks
 * always succeed (exec ones run against the hollow runtime, which answers exit 0). Volumes are not
 * set up (no container would read them: no TokenRequest, no ConfigMap or Secret read for them), as
 * kwok; nor are a pod's Normal events (Pulled, Created, Started ...): kwok records none, and at a
 * thousand pods they would be most of the API's writes. Warnings are. The kubelet API server
 * (logs, exec, port-forward) is not served for hollow nodes.
 */
import type { Logger } from 'pino';
import type { Clock } from '@kubelab/api';
import type { KubeletApi, PodSource } from './api.js';
import type { KubeletConfig } from './config.js';
import { runKubelet, type KubeletDeps } from './kubelet.js';
import { nodeNameFromContainerName } from './nodeinfo.js';
import type { Prober, ProbeOutcome } from './probes/prober.js';
import { HollowRuntime, IpPool } from './runtime/hollow.js';

export interface HollowDeps {
  cfg: KubeletConfig;
  api: KubeletApi;
  clock: Clock;
  log: Logger;
  hostname: string;
  newPodSource(nodeName: string): PodSource;
  /** The API as each node calls it (its own credentials); `api` for all of them without it. */
  apiFor?(nodeName: string): KubeletApi;
  /** Passed to each node's runKubelet (its TLS bootstrap). */
  prepare?: KubeletDeps['prepare'];
  interfaces?: Parameters<typeof runKubelet>[0]['interfaces'];
}

/** Probes and hooks of hollow pods: every action succeeds. */
export class HollowProber implements Prober {
  run(): Promise<ProbeOutcome> {
    return Promise.resolve({ ok: true, output: '' });
  }
}

/** The node names: KUBELAB_NODE_NAME (else hollow-<hostname>) as is, or with -0 … -(N-1) when N > 0. */
export function hollowNodeNames(cfg: Pick<KubeletConfig, 'nodeName' | 'hollowNodes'>, hostname: string): string[] {
  const base = cfg.nodeName || `hollow-${nodeNameFromContainerName(hostname) || 'node'}`;
  if (cfg.hollowNodes <= 0) return [base];
  return Array.from({ length: cfg.hollowNodes }, (_, i) => `${base}-${i}`);
}

export async function runHollowKubelets(d: HollowDeps, signal: AbortSignal): Promise<void> {
  const ips = new IpPool(d.cfg.hollowPodRange);
  const names = hollowNodeNames(d.cfg, d.hostname);
  d.log.info({ nodes: names.length, first: names[0], podRange: d.cfg.hollowPodRange }, 'starting hollow kubelets');
  await Promise.all(
    names.map((name) => {
      const runtime = new HollowRuntime({
        cluster: d.cfg.cluster,
        node: name,
        network: d.cfg.network,
        clock: d.clock,
        pauseImage: d.cfg.pauseImage,
        ips,
      });
      return runKubelet(
        {
          cfg: { ...d.cfg, nodeName: name },
          api: d.apiFor ? d.apiFor(name) : d.api,
          clock: d.clock,
          ...(d.prepare ? { prepare: d.prepare } : {}),
          log: d.log,
          hostname: d.hostname,
          probeRuntime: runtime,
          newRuntime: () => runtime,
          newPodSource: d.newPodSource,
          newProber: () => new HollowProber(),
          withoutVolumes: true,
          podWarningsOnly: true,
          ...(d.interfaces ? { interfaces: d.interfaces } : {}),
        },
        signal,
      );
    }),
  );
}
