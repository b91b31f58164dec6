/**
 * The real kubelet pod machinery (DockerRuntime, PodSyncer, PodWorkers, prober, hooks, volumes)
 * against a TestApi and FakePods, on a DockerTestEnv, for integration tests. Back-offs and the
 * pull deadline are parameters so failure paths take seconds.
 */
import type { Logger } from 'pino';
import { sleep } from '@kubelab/client';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { systemClock, type KubeObject } from '@kubelab/api';
import { ApiEnvObjects } from '../env/objects.js';
import { HookRunner } from '../hooks.js';
import { ImageManager } from '../images.js';
import { PodWorkers } from '../podworkers.js';
import { ProbeManager } from '../probes/manager.js';
import { RealProber } from '../probes/prober.js';
import { realTimers } from '../probes/timers.js';
import { DockerRuntime } from '../runtime/docker.js';
import { StatusManager } from '../statusmanager.js';
import { PodSyncer } from '../pod/syncer.js';
import { VolumeManager } from '../volumes/manager.js';
import type { DockerTestEnv } from './dockerenv.js';
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
  return {
    runtime,
    workers,
    events,
    stop: async () => {
      ac.abort();
      await running.catch(() => undefined);
    },
  };
}
