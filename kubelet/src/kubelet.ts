/**
 * Wiring: find out who and where this node is, then run node registration, the pod informer,
 * the pod workers and housekeeping until the signal aborts. Shutting down never touches pods:
 * their containers keep running and are adopted by the next kubelet.
 */
import * as os from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '@kubelab/api';
import { Backoff, sleep } from '@kubelab/client';
import { ApiEventRecorder, type EventRecorder } from '@kubelab/client/events';
import { errMessage, type KubeletApi, type PodSource } from './api.js';
import type { KubeletConfig } from './config.js';
import { ApiEnvObjects, type EnvApi } from './env/objects.js';
import { WatchedReads, type WatchApi } from './env/watched.js';
import { TokenManager } from './volumes/tokens.js';
import { LocalContent } from './volumes/localdir.js';
import { HookRunner } from './hooks.js';
import { VolumeManager } from './volumes/manager.js';
import { ApiClaimObjects } from './volumes/claims.js';
import { DockerVolumeReclaimer, type VolumeSource } from './volumes/pvreclaim.js';
import { parseQuantity } from './quantity.js';
import { Housekeeper } from './housekeeping.js';
import { ImageManager } from './images.js';
import { NodeAgent, readHostFacts } from './node.js';
import { chooseNodeIP, chooseNodeName, selfContainer } from './nodeinfo.js';
import { PodWorkers } from './podworkers.js';
import { ProbeManager } from './probes/manager.js';
import { RealProber, type Prober } from './probes/prober.js';
import { realTimers } from './probes/timers.js';
import type { ContainerRuntime } from './runtime/runtime.js';
import { StatusManager } from './statusmanager.js';
import { PodSyncer } from './pod/syncer.js';

export interface KubeletDeps {
  cfg: KubeletConfig;
  api: KubeletApi;
  clock: Clock;
  log: Logger;
  hostname: string;
  /** A runtime not bound to a node yet: used to find the own container and wait for the engine. */
  probeRuntime: ContainerRuntime;
  newRuntime(nodeName: string): ContainerRuntime;
  newPodSource(nodeName: string): PodSource;
  interfaces?: ReturnType<typeof os.networkInterfaces>;
  /** Serves the kubelet API (logs, exec, port-forward, stats) for the node until the signal aborts. */
  serveApi?: (nodeName: string, runtime: ContainerRuntime, log: Logger, signal: AbortSignal) => Promise<void>;
  /** The port serveApi listens on, reported in the Node's daemonEndpoints. */
  kubeletPort?: number;
  /** Runs probes and hooks; default: the real prober (HTTP/TCP/gRPC to the pod IP, exec in the runtime). */
  newProber?: (runtime: ContainerRuntime) => Prober;
  /**
   * Runs once the node's name and address are known, before the API is used: the node's
   * credentials (bootstrap) and serving certificate; what it returns goes on the Node.
   */
  prepare?: (
    node: { name: string; hostIP: string },
    log: Logger,
    signal: AbortSignal,
  ) => Promise<{ annotations?: Record<string, string> }>;
  /** PersistentVolumes (an informer): with it, this node removes the Docker volumes of deleted ones. */
  newVolumeSource?: () => VolumeSource;
  /**
   * No container will read a volume (hollow nodes): none is set up, as kwok does, so a pod costs
   * no TokenRequest and no read of the ConfigMaps and Secrets its volumes name.
   */
  withoutVolumes?: boolean;
  /** Hollow nodes: a pod's Normal events (Pulled, Created, Started, Killing ...) are not recorded, as kwok records none; its warnings are. */
  podWarningsOnly?: boolean;
}

/** Passes on every event but a pod's Normal ones. */
function podWarningsOnly(inner: EventRecorder): EventRecorder {
  return {
    event: (obj, type, reason, message) => {
      if (type === 'Normal' && obj.kind === 'Pod') return;
      inner.event(obj, type, reason, message);
    },
  };
}

/** The real ApiClient can list (services for env); the narrow KubeletApi does not promise it. */
function hasList(api: KubeletApi): api is KubeletApi & EnvApi {
  return typeof (api as Partial<EnvApi>).list === 'function';
}

function hasWatch(api: KubeletApi): api is KubeletApi & WatchApi {
  return hasList(api) && typeof (api as unknown as Partial<WatchApi>).watch === 'function';
}

/** The pods' ConfigMaps, Secrets and Services: from watches when the API can watch, else read per use. */
function envObjectsFor(api: KubeletApi, log: Logger, signal: AbortSignal): ApiEnvObjects | undefined {
  if (!hasList(api)) return undefined;
  if (!hasWatch(api)) return new ApiEnvObjects(api);
  const watched = new WatchedReads(api, { log });
  signal.addEventListener('abort', () => watched.close(), { once: true });
  return new ApiEnvObjects(api, watched);
}

/** Waits (with back-off) until the container runtime answers; false if aborted first. */
async function waitForRuntime(rt: ContainerRuntime, log: Logger, signal: AbortSignal): Promise<boolean> {
  const backoff = new Backoff(500, 10_000);
  while (!signal.aborted) {
    try {
      const info = await rt.info();
      log.info({ runtime: `${info.name}://${info.version}` }, 'container runtime is up');
      return true;
    } catch (err) {
      const wait = backoff.next();
      log.warn({ err: errMessage(err), retryInMs: wait }, 'container runtime is not reachable; waiting');
      await sleep(wait, signal);
    }
  }
  return false;
}

export async function runKubelet(d: KubeletDeps, signal: AbortSignal): Promise<void> {
  const { cfg, log } = d;
  if (!(await waitForRuntime(d.probeRuntime, log, signal))) return;
  const self = await selfContainer((id) => d.probeRuntime.inspect(id), d.hostname);
  const nodeName = chooseNodeName(cfg.nodeName, self, d.hostname);
  const hostIP = chooseNodeIP(
    self,
    cfg.network,
    (d.interfaces ?? os.networkInterfaces()) as Parameters<typeof chooseNodeIP>[2],
  );
  const nlog = log.child({ node: nodeName });
  nlog.info({ hostIP, container: self?.name, cluster: cfg.cluster, network: cfg.network }, 'kubelet starting');
  const prepared = (await d.prepare?.({ name: nodeName, hostIP }, nlog, signal)) ?? {};
  if (signal.aborted) return;

  const runtime = d.newRuntime(nodeName);
  const pods = d.newPodSource(nodeName);
  const images = new ImageManager(
    runtime,
    d.clock,
    { baseMs: cfg.imageBackoffBaseSeconds * 1000, maxMs: cfg.imageBackoffMaxSeconds * 1000 },
    nlog,
  );
  const apiRecorder = new ApiEventRecorder(d.api, { component: 'kubelet', host: nodeName, clock: d.clock, log: nlog });
  const recorder = d.podWarningsOnly ? podWarningsOnly(apiRecorder) : apiRecorder;
  let enqueue: (uid: string) => void = () => undefined;
  const prober = d.newProber?.(runtime) ?? new RealProber(runtime);
  const envObjects = envObjectsFor(d.api, nlog, signal);
  // Content volumes in the kubelet's own directory when that is a volume of its container (the engine's host path known).
  const podsMount = self?.mounts?.find((m) => m.destination === cfg.podsDir);
  const local = podsMount ? new LocalContent({ path: cfg.podsDir, hostPath: podsMount.source }) : undefined;
  nlog.info(
    { podsDir: cfg.podsDir, hostPath: podsMount?.source },
    local
      ? "content volumes are written in the kubelet's own directory"
      : "content volumes are Docker volumes (the kubelet's pods directory is not a volume of its container)",
  );
  const probes = new ProbeManager({
    prober,
    timers: realTimers,
    clock: d.clock,
    log: nlog,
    recorder,
    onChange: (uid) => enqueue(uid),
  });
  const syncer = new PodSyncer({
    hooks: new HookRunner({ prober, log: nlog, recorder, sleep: (ms) => sleep(ms, signal) }),
    hostIP,
    allocatable: {
      cpu: parseQuantity(cfg.nodeCpu) ?? os.cpus().length,
      memory: parseQuantity(cfg.nodeMemory) ?? os.totalmem(),
    },
    ...(envObjects ? { envObjects } : {}),
    ...(d.withoutVolumes
      ? {}
      : {
          volumes: new VolumeManager({
            runtime,
            cluster: cfg.cluster,
            node: nodeName,
            log: nlog,
            claims: new ApiClaimObjects(d.api),
            tokens: new TokenManager(d.api, d.clock),
            ...(local ? { local } : {}),
            ...(envObjects ? { objects: envObjects } : {}),
          }),
        }),
    probes,
    recorder,
    runtime,
    images,
    clock: d.clock,
    log: nlog,
    network: cfg.network,
    pauseImage: cfg.pauseImage,
    crashLoop: { baseMs: cfg.crashLoopBaseSeconds * 1000, maxMs: cfg.crashLoopMaxSeconds * 1000 },
  });
  const workers = new PodWorkers({
    api: d.api,
    pods,
    runtime,
    syncer,
    status: new StatusManager(d.api, nlog),
    clock: d.clock,
    log: nlog,
    cluster: cfg.cluster,
    node: nodeName,
    network: cfg.network,
    hostIP,
    workers: cfg.podWorkers,
    resyncMs: cfg.resyncSeconds * 1000,
    orphanGraceSeconds: cfg.orphanGraceSeconds,
    probes,
  });
  enqueue = (uid) => workers.queue.add(uid);
  const housekeeper = new Housekeeper({
    runtime,
    pods,
    cluster: cfg.cluster,
    node: nodeName,
    enqueue: (uid) => workers.queue.add(uid),
    tidy: () => syncer.backoff.gc(),
    log: nlog,
    intervalMs: cfg.housekeepingSeconds * 1000,
  });
  const overrides: { cpu?: string; memory?: string; pods?: string } = {};
  if (cfg.nodeCpu) overrides.cpu = cfg.nodeCpu;
  if (cfg.nodeMemory) overrides.memory = cfg.nodeMemory;
  if (cfg.nodePods) overrides.pods = cfg.nodePods;
  const agent = new NodeAgent({
    api: d.api,
    runtime,
    clock: d.clock,
    log: nlog,
    nodeName,
    hostIP,
    facts: readHostFacts(nodeName),
    overrides,
    registration: { labels: cfg.nodeLabels, taints: cfg.nodeTaints },
    leaseMs: cfg.leaseSeconds * 1000,
    leaseDurationSeconds: cfg.leaseDurationSeconds,
    statusMs: cfg.nodeStatusSeconds * 1000,
    reportMs: cfg.nodeStatusReportSeconds * 1000,
    kubeletPort: d.kubeletPort,
    ...(prepared.annotations ? { annotations: prepared.annotations } : {}),
  });
  const reclaimer = d.newVolumeSource
    ? new DockerVolumeReclaimer({
        api: d.api,
        volumes: d.newVolumeSource(),
        runtime,
        cluster: cfg.cluster,
        node: nodeName,
        log: nlog,
      })
    : undefined;
  await Promise.all([
    agent.run(signal),
    pods.run(signal),
    workers.run(signal),
    housekeeper.run(signal),
    d.serveApi?.(nodeName, runtime, nlog, signal),
    reclaimer?.run(signal),
  ]);
  nlog.info('kubelet stopped; pod containers keep running');
}
