/**
 * The real kubelet pod machinery (DockerRuntime, PodSyncer, PodWorkers, prober, hooks, volumes)
 * against a TestApi and FakePods, on a DockerTestEnv, for integration tests. Back-offs and the
 * pull deadline are parameters so failure paths take seconds.
 */
import { after, before } from 'node:test';
import type { Logger } from 'pino';
import { sleep } from '@kubelab/client';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { systemClock, type KubeObject, type Pod } from '@kubelab/api';
import { ApiEnvObjects } from '../env/objects.js';
import { HookRunner } from '../hooks.js';
import { ImageManager } from '../images.js';
import { PodWorkers } from '../podworkers.js';
import { ProbeManager } from '../probes/manager.js';
import { RealProber } from '../probes/prober.js';
import { realTimers } from '../probes/timers.js';
import { DockerRuntime } from '../runtime/docker.js';
import { LABELS, type RuntimeContainer } from '../runtime/runtime.js';
import { StatusManager } from '../statusmanager.js';
import { PodSyncer } from '../pod/syncer.js';
import { VolumeManager } from '../volumes/manager.js';
import { waitFor, type DockerTestEnv } from './dockerenv.js';
import { FakePods, type TestApi } from './fakes.js';

export interface DockerKubeletOptions {
  env: DockerTestEnv;
  api: TestApi;
  node: string;
  log: Logger;
  crashLoop: { baseMs: number; maxMs: number };
  imageBackoff: { baseMs: number; maxMs: number };
  resyncMs: number;
  pullTimeoutMs?: number;
}

export interface DockerKubelet {
  runtime: DockerRuntime;
  workers: PodWorkers;
  events: MemoryEventRecorder;
  /** The stored pod `name` (namespace default), as the kubelet last wrote it. */
  get(name: string): Pod | undefined;
  /** Stores the pod and has the kubelet look at it; the stored copy. */
  start(pod: Pod): Pod;
  /** The pod's instances of container `name` in Docker, the latest restart first. */
  instances(pod: Pod, name: string): Promise<RuntimeContainer[]>;
  /** Graceful deletion (1 s) as the apiserver would mark it; waits until the kubelet has removed the pod. */
  remove(name: string): Promise<void>;
  /** Stops the workers (containers stay; the env's cleanup removes them). */
  stop(): Promise<void>;
}

export function startDockerKubelet(o: DockerKubeletOptions): DockerKubelet {
  const { env, api, node, log } = o;
  const ac = new AbortController();
  const events = new MemoryEventRecorder();
  const runtime = new DockerRuntime({
    cluster: env.cluster,
    node,
    network: env.network,
    pauseImage: env.image,
    pauseCommand: ['sleep', '2147483647'],
    log,
    timeoutMs: 30_000,
    ...(o.pullTimeoutMs !== undefined ? { pullTimeoutMs: o.pullTimeoutMs } : {}),
  });
  const prober = new RealProber(runtime);
  let enqueue: (uid: string) => void = () => undefined;
  const probes = new ProbeManager({
    prober,
    timers: realTimers,
    clock: systemClock,
    log,
    recorder: events,
    onChange: (uid) => enqueue(uid),
  });
  const objects = new ApiEnvObjects({
    get: (r, ns, n) => api.get(r, ns, n),
    list: <T extends KubeObject>(r: string, opts?: { namespace?: string }) => api.list<T>(r, opts),
  });
  const syncer = new PodSyncer({
    envObjects: objects,
    hostIP: '127.0.0.1',
    volumes: new VolumeManager({ runtime, cluster: env.cluster, node, log, objects }),
    runtime,
    images: new ImageManager(runtime, systemClock, o.imageBackoff, log),
    clock: systemClock,
    log,
    network: env.network,
    pauseImage: env.image,
    crashLoop: o.crashLoop,
    recorder: events,
    probes,
    hooks: new HookRunner({ prober, log, recorder: events, sleep: (ms) => sleep(ms, ac.signal) }),
  });
  const workers = new PodWorkers({
    api,
    pods: new FakePods(api, node),
    runtime,
    syncer,
    status: new StatusManager(api, log),
    clock: systemClock,
    log,
    cluster: env.cluster,
    node,
    network: env.network,
    hostIP: '127.0.0.1',
    workers: 4,
    resyncMs: o.resyncMs,
    orphanGraceSeconds: 1,
    probes,
  });
  enqueue = (uid) => workers.queue.add(uid);
  const running = workers.run(ac.signal);
  const get = (name: string): Pod | undefined => api.peek<Pod>('pods', 'default', name);
  return {
    runtime,
    workers,
    events,
    get,
    start: (pod) => {
      const stored = api.put<Pod>('pods', pod);
      workers.queue.add(stored.metadata.uid!);
      return stored;
    },
    instances: async (pod, name) =>
      (
        await runtime.listPodContainers({
          [LABELS.cluster]: env.cluster,
          [LABELS.node]: node,
          [LABELS.podUid]: pod.metadata.uid!,
        })
      )
        .filter((c) => c.containerName === name)
        .sort((a, b) => b.restartCount - a.restartCount),
    remove: async (name) => {
      const stored = get(name);
      if (!stored) return;
      stored.metadata.deletionTimestamp = new Date().toISOString();
      stored.metadata.deletionGracePeriodSeconds = 1;
      api.put('pods', stored);
      workers.queue.add(stored.metadata.uid!);
      await waitFor(`${name} deleted`, () => (get(name) ? undefined : true), 20_000);
    },
    stop: async () => {
      ac.abort();
      await running.catch(() => undefined);
    },
  };
}

/**
 * For a test file's describe(): sets the env up and starts the kubelet before its tests, stops the
 * kubelet and removes the env's things after them. The kubelet returned stands for the one started
 * then (using it before that throws).
 */
export function useDockerKubelet(o: DockerKubeletOptions): DockerKubelet {
  let k: DockerKubelet | undefined;
  const started = (): DockerKubelet => {
    if (!k) throw new Error('useDockerKubelet: the kubelet starts in before(); use it from the tests');
    return k;
  };
  before(async () => {
    await o.env.setUp();
    k = startDockerKubelet(o);
  });
  after(async () => {
    await k?.stop();
    await o.env.cleanup();
  });
  return {
    get runtime() {
      return started().runtime;
    },
    get workers() {
      return started().workers;
    },
    get events() {
      return started().events;
    },
    get: (name) => started().get(name),
    start: (pod) => started().start(pod),
    instances: (pod, name) => started().instances(pod, name),
    remove: (name) => started().remove(name),
    stop: () => started().stop(),
  };
}
