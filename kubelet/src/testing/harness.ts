/** Assembles a kubelet over fakes (runtime, apiserver, clock) for unit tests. */
import type { KubeObject, Pod } from '@kubelab/api';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { ImageManager } from '../images.js';
import { PodWorkers } from '../podworkers.js';
import { FakeRuntime } from '../runtime/fake.js';
import { StatusManager } from '../statusmanager.js';
import { PodSyncer } from '../pod/syncer.js';
import { ApiEnvObjects } from '../env/objects.js';
import { HookRunner } from '../hooks.js';
import { VolumeManager } from '../volumes/manager.js';
import { ProbeManager } from '../probes/manager.js';
import { TestApi, FakePods, ManualClock, silentLogger } from './fakes.js';
import { FakeProber } from './prober.js';
import { ManualTimers } from './timers.js';

export const NODE = 'node-1';
export const CLUSTER = 'test';
export const NETWORK = 'testnet';
export const HOST_IP = '10.244.0.100';
export const PAUSE = 'pause:fake';

export interface Harness {
  clock: ManualClock;
  api: TestApi;
  runtime: FakeRuntime;
  pods: FakePods;
  syncer: PodSyncer;
  status: StatusManager;
  workers: PodWorkers;
  events: MemoryEventRecorder;
  timers: ManualTimers;
  prober: FakeProber;
  probes: ProbeManager;
  /** Uids the probe manager asked to sync. */
  probeChanges: string[];
  /** Sleeps of sleep hooks (ms); each advances the clock. */
  sleeps: number[];
  /** Creates the pod through the apiserver (defaults, validation; its uid and status are the apiserver's) and returns the stored copy. */
  add(pod: Pod): Promise<Pod>;
  /** The pod as the apiserver has it now. */
  get(pod: Pod): Pod | undefined;
  /** reconcile(uid) of the pod. */
  sync(pod: Pod): Promise<void>;
  /** A user's delete (kubectl delete): the apiserver marks the bound pod deleting with the grace period (not in api.calls). */
  deleteGracefully(pod: Pod, grace?: number): Promise<void>;
}

/** A kubelet over fakes; `from` shares another harness's world (a restarted kubelet). */
export function harness(
  opts: { crashBaseMs?: number; crashMaxMs?: number; imageBaseMs?: number; from?: Harness } = {},
): Harness {
  const clock = opts.from?.clock ?? new ManualClock();
  const log = silentLogger();
  const api = opts.from?.api ?? new TestApi(clock);
  const runtime =
    opts.from?.runtime ?? new FakeRuntime({ cluster: CLUSTER, node: NODE, network: NETWORK, clock, pauseImage: PAUSE });
  runtime.images.add('img:1');
  const pods = new FakePods(api, NODE);
  const images = new ImageManager(runtime, clock, { baseMs: opts.imageBaseMs ?? 10_000, maxMs: 300_000 }, log);
  const events = new MemoryEventRecorder();
  const timers = new ManualTimers(clock);
  const prober = new FakeProber();
  const probeChanges: string[] = [];
  const probes = new ProbeManager({
    prober,
    timers,
    clock,
    log,
    recorder: events,
    onChange: (uid) => probeChanges.push(uid),
  });
  const sleeps: number[] = [];
  const hooks = new HookRunner({
    prober,
    log,
    recorder: events,
    sleep: (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
      return Promise.resolve();
    },
  });
  const envObjects = new ApiEnvObjects({
    get: (r, ns, n) => api.get(r, ns, n),
    list: <T extends KubeObject>(r: string, o?: { namespace?: string }) => api.list<T>(r, o),
  });
  const volumes = new VolumeManager({
    runtime,
    cluster: CLUSTER,
    node: NODE,
    log,
    objects: envObjects,
    version: () => `v${++versions}`,
  });
  let versions = 0;
  const syncer = new PodSyncer({
    volumes,
    envObjects,
    hostIP: HOST_IP,
    allocatable: { cpu: 4, memory: 8 * 1024 ** 3 },
    hooks,
    probes,
    recorder: events,
    runtime,
    images,
    clock,
    log,
    network: NETWORK,
    pauseImage: PAUSE,
    crashLoop: { baseMs: opts.crashBaseMs ?? 10_000, maxMs: opts.crashMaxMs ?? 300_000 },
  });
  const status = new StatusManager(api, log);
  const workers = new PodWorkers({
    api,
    pods,
    runtime,
    syncer,
    status,
    clock,
    log,
    cluster: CLUSTER,
    node: NODE,
    network: NETWORK,
    hostIP: HOST_IP,
    workers: 1,
    resyncMs: 10_000,
    orphanGraceSeconds: 2,
    probes,
  });
  return {
    clock,
    api,
    runtime,
    pods,
    syncer,
    status,
    workers,
    events,
    timers,
    prober,
    probes,
    probeChanges,
    sleeps,
    add: (pod) => api.seed('pods', pod),
    get: (pod) => api.peek<Pod>('pods', pod.metadata.namespace ?? 'default', pod.metadata.name ?? ''),
    sync: (pod) => workers.reconcile(pod.metadata.uid ?? ''),
    deleteGracefully: async (pod, grace) => {
      await api.registry.delete(
        'pods',
        pod.metadata.namespace ?? 'default',
        pod.metadata.name ?? '',
        grace === undefined ? {} : { gracePeriodSeconds: grace },
      );
    },
  };
}
