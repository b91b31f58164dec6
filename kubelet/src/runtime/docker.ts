/**
 * The Docker implementation of ContainerRuntime, on dockerode (socket /var/run/docker.sock, or
 * DOCKER_HOST): every Docker call of the kubelet goes through here. Every call has a deadline;
 * quick calls and slow ones (pull, stop) each go through their own semaphore so a burst of work
 * cannot flood the daemon nor starve quick calls. Images, volumes and streams (exec, attach,
 * logs, port-forward, stats) are in dockerimages.ts, dockervolumes.ts and dockerstreams.ts.
 */
import type { Duplex, Readable } from 'node:stream';
import Dockerode from 'dockerode';
import type { Logger } from 'pino';
import type { Container, Pod } from '@kubelab/api';
import { podResolverConfig, resolvConfText, type DnsSettings } from '../dns/poddns.js';
import { appCreateOptions } from './containerspec.js';
import { pauseCreateOptions } from './sandboxspec.js';
import { resolvWritten } from './dockerdns.js';
import { OomNotices, toRuntimeContainer, toRuntimeError } from './dockerconvert.js';
import { dockerEvents } from './dockerevents.js';
import { Semaphore, withTimeout } from './limiter.js';
import { PodListCache } from './podcache.js';
import { DockerImages } from './dockerimages.js';
import { DockerInfo } from './dockerinfo.js';
import { DockerStreams } from './dockerstreams.js';
import { DockerVolumes } from './dockervolumes.js';
import type { ExecOptions } from '@kubelab/proto';
import {
  LABELS,
  RuntimeError,
  type AttachOptions,
  type CommandResult,
  type ContainerConfig,
  type ContainerLogOptions,
  type ContainerRuntime,
  type ContainerStatsSample,
  type ContainerStream,
  type ImageResult,
  type PullPolicy,
  type RuntimeContainer,
  type RuntimeEvent,
  type RuntimeInfo,
  type Sandbox,
  type VolumeOptions,
} from './runtime.js';

export interface DockerRuntimeOptions {
  cluster: string;
  node: string;
  network: string;
  pauseImage: string;
  pauseCommand: string[];
  log: Logger;
  docker?: Dockerode;
  /** Deadline of ordinary calls (default 30 s). */
  timeoutMs?: number;
  /** Deadline of a pull of a missing image (default 60 s). */
  pullTimeoutMs?: number;
  /** Deadline of the refreshing pull of policy Always when a local copy exists (default 10 s). */
  refreshPullTimeoutMs?: number;
  /** Concurrent calls per lane (default 8). */
  concurrency?: number;
  /** Cluster DNS for the pods' /etc/resolv.conf and /etc/hosts (none: Docker's own files). */
  dns?: DnsSettings;
}

export class DockerRuntime implements ContainerRuntime {
  private readonly docker: Dockerode;
  private readonly quick: Semaphore;
  private readonly slow: Semaphore;
  private readonly timeoutMs: number;
  private readonly inspectCache = new Map<string, { key: string; c: RuntimeContainer }>();
  private readonly images: DockerImages;
  private readonly volumes: DockerVolumes;
  private readonly streams: DockerStreams;
  private readonly engine: DockerInfo;
  private readonly podLists = new PodListCache();
  /** Containers this kubelet started whose `start` event has not come yet: that event tells nothing new. */
  private readonly startedHere = new Map<string, number>();
  private readonly ooms = new OomNotices();
  private readonly log: Logger;

  constructor(private readonly o: DockerRuntimeOptions) {
    this.docker = o.docker ?? new Dockerode();
    this.quick = new Semaphore(o.concurrency ?? 8);
    this.slow = new Semaphore(o.concurrency ?? 8);
    this.timeoutMs = o.timeoutMs ?? 30_000;
    this.log = o.log.child({ runtime: 'docker' });
    this.images = new DockerImages({
      docker: this.docker,
      call: (what, fn, opts) => this.call(what, fn, opts),
      slow: this.slow,
      pullTimeoutMs: o.pullTimeoutMs ?? 60_000,
      refreshPullTimeoutMs: o.refreshPullTimeoutMs ?? 10_000,
      log: this.log,
    });
    this.volumes = new DockerVolumes({
      docker: this.docker,
      call: (what, fn, opts) => this.call(what, fn, opts),
      create: (opts) => this.create(opts),
      remove: (id) => this.remove(id),
      cluster: o.cluster,
      pauseImage: o.pauseImage,
      pauseCommand: o.pauseCommand,
    });
    this.engine = new DockerInfo(this.docker, (what, fn) => this.call(what, fn));
    this.streams = new DockerStreams({
      docker: this.docker,
      call: (what, fn, opts) => this.call(what, fn, opts),
      execLane: new Semaphore(o.concurrency ?? 8),
      statsLane: new Semaphore(o.concurrency ?? 8),
      network: o.network,
      container: (id) => this.known(id),
      connectTimeoutMs: this.timeoutMs,
      log: this.log,
    });
  }

  /** One Docker call: a lane slot, a deadline, and errors as RuntimeError. */
  private async call<T>(
    what: string,
    fn: (signal: AbortSignal) => Promise<T>,
    opts: { timeoutMs?: number; lane?: Semaphore } = {},
  ): Promise<T> {
    const ms = opts.timeoutMs ?? this.timeoutMs;
    return (opts.lane ?? this.quick).run(async () => {
      try {
        return await withTimeout(`docker ${what}`, ms, fn);
      } catch (err) {
        throw toRuntimeError(what, err);
      }
    });
  }

  async listPodContainers(labels: Record<string, string>): Promise<RuntimeContainer[]> {
    const uid = this.onePod(labels);
    if (uid === undefined) return this.list(labels);
    const hit = this.podLists.get(uid);
    if (hit) return hit;
    const gen = this.podLists.generation(uid);
    const items = await this.list(labels);
    this.podLists.put(uid, gen, items);
    return items;
  }

  /** The pod uid when labels select exactly one pod of this node (the cacheable list), else undefined. */
  private onePod(labels: Record<string, string>): string | undefined {
    const keys = Object.keys(labels);
    const uid = labels[LABELS.podUid];
    if (!uid || keys.length !== 3 || labels[LABELS.cluster] !== this.o.cluster || labels[LABELS.node] !== this.o.node)
      return undefined;
    return uid;
  }

  private async list(labels: Record<string, string>): Promise<RuntimeContainer[]> {
    const filters = { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
    const list = await this.call('list containers', (abortSignal) =>
      this.docker.listContainers({ all: true, filters, abortSignal } as Dockerode.ContainerListOptions),
    );
    if (this.inspectCache.size > 5000) this.inspectCache.clear();
    const out = await Promise.all(
      list.map(async (info) => {
        const key = `${info.State}`;
        const hit = this.inspectCache.get(info.Id);
        if (hit && hit.key === key) return hit.c;
        const c = await this.inspect(info.Id);
        if (c) this.inspectCache.set(info.Id, { key, c });
        return c;
      }),
    );
    return out.filter((c): c is RuntimeContainer => c !== undefined);
  }

  async inspect(id: string): Promise<RuntimeContainer | undefined> {
    let info: Dockerode.ContainerInspectInfo;
    try {
      info = await this.call(`inspect ${short(id)}`, (abortSignal) =>
        this.docker.getContainer(id).inspect({ abortSignal }),
      );
    } catch (err) {
      if (err instanceof RuntimeError && err.status === 404) return undefined;
      throw err;
    }
    return this.ooms.apply(toRuntimeContainer(info, await this.images.ref(info.Image)));
  }

  ensureImage(image: string, policy: PullPolicy): Promise<ImageResult> {
    return this.images.ensure(image, policy);
  }

  private async create(opts: Dockerode.ContainerCreateOptions): Promise<string> {
    const uid = opts.Labels?.[LABELS.podUid];
    if (uid) this.podLists.podChanged(uid);
    try {
      const c = await this.call(`create ${opts.name ?? ''}`, (abortSignal) =>
        this.docker.createContainer({ ...opts, abortSignal }),
      );
      if (uid) this.podLists.own(c.id, uid);
      return c.id;
    } finally {
      // Again after the call: a list that ran meanwhile may or may not hold the new container.
      if (uid) this.podLists.podChanged(uid);
    }
  }

  async createPause(pod: Pod, attempt = 0): Promise<Sandbox> {
    const resolv = this.o.dns && podResolverConfig(pod, this.o.dns);
    const opts = pauseCreateOptions(pod, {
      cluster: this.o.cluster,
      node: this.o.node,
      network: this.o.network,
      image: this.o.pauseImage,
      command: this.o.pauseCommand,
      attempt,
      ...(this.o.dns ? { clusterDomain: this.o.dns.clusterDomain } : {}),
      ...(resolv ? { resolvConf: resolvConfText(resolv) } : {}),
    });
    const id = await this.create(opts);
    try {
      await this.start(id);
      const [c] = await Promise.all([
        this.inspect(id),
        resolv &&
          resolvWritten(id, {
            docker: this.docker,
            call: (what, fn) => this.call(what, fn),
            inspect: (i) => this.inspect(i),
          }),
      ]);
      const ip = c?.networks[this.o.network];
      if (!c || c.state !== 'running')
        throw new RuntimeError(`sandbox ${opts.name ?? id} is not running (state ${c?.state ?? 'missing'})`);
      if (!ip) throw new RuntimeError(`sandbox ${opts.name ?? id} got no IP address on network ${this.o.network}`);
      return { id, ip };
    } catch (err) {
      await this.remove(id).catch(() => undefined);
      throw err;
    }
  }

  createContainer(
    pod: Pod,
    container: Container,
    sandboxId: string,
    restartCount: number,
    config?: ContainerConfig,
  ): Promise<string> {
    return this.create(
      appCreateOptions(pod, container, {
        cluster: this.o.cluster,
        node: this.o.node,
        sandboxId,
        restartCount,
        ...(config ? { config } : {}),
      }),
    );
  }

  async start(id: string): Promise<void> {
    try {
      await this.call(`start ${short(id)}`, (abortSignal) => this.docker.getContainer(id).start({ abortSignal }));
      if (this.startedHere.size > 1000) this.startedHere.clear();
      this.startedHere.set(id, Date.now());
    } catch (err) {
      if (err instanceof RuntimeError && err.status === 304) return; // already running
      throw err;
    } finally {
      this.changed(id);
    }
  }

  /** After a change this kubelet made to a container: forget what was known about it. */
  private changed(id: string, removed = false): void {
    this.inspectCache.delete(id);
    this.podLists.containerChanged(id, removed);
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    const t = Math.max(0, Math.round(graceSeconds));
    try {
      await this.call(`stop ${short(id)}`, (abortSignal) => this.docker.getContainer(id).stop({ t, abortSignal }), {
        timeoutMs: t * 1000 + this.timeoutMs,
        lane: this.slow,
      });
    } catch (err) {
      if (err instanceof RuntimeError && (err.status === 304 || err.status === 404)) return;
      throw err;
    } finally {
      this.changed(id);
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.call(`remove ${short(id)}`, (abortSignal) =>
        this.docker.getContainer(id).remove({ force: true, v: true, abortSignal } as Dockerode.ContainerRemoveOptions),
      );
    } catch (err) {
      if (err instanceof RuntimeError && err.status === 404) return;
      // "removal of container ... is already in progress"
      if (err instanceof RuntimeError && err.status === 409 && /already in progress/.test(err.message)) return;
      throw err;
    } finally {
      this.changed(id, true);
    }
  }

  /** The container as the last list saw it (enough for what never changes, like tty), else inspected. */
  private async known(id: string): Promise<RuntimeContainer | undefined> {
    return this.inspectCache.get(id)?.c ?? (await this.inspect(id));
  }

  exec(id: string, cmd: string[], timeoutMs: number): Promise<CommandResult> {
    return this.streams.run(id, cmd, timeoutMs);
  }

  execStream(id: string, opts: ExecOptions): Promise<ContainerStream> {
    return this.streams.exec(id, opts);
  }

  attach(id: string, opts: AttachOptions): Promise<ContainerStream> {
    return this.streams.attach(id, opts);
  }

  logs(id: string, opts: ContainerLogOptions): Promise<Readable> {
    return this.streams.logs(id, opts);
  }

  portForward(sandboxId: string, port: number): Promise<Duplex> {
    return this.streams.portForward(sandboxId, port);
  }

  containerStats(id: string): Promise<ContainerStatsSample> {
    return this.streams.stats(id);
  }

  ensureVolume(name: string, labels: Record<string, string>, opts: VolumeOptions = {}): Promise<void> {
    return this.volumes.ensure(name, labels, opts);
  }

  writeVolume(name: string, archive: Buffer): Promise<void> {
    return this.volumes.write(name, archive);
  }

  resolveSubPath(name: string, subPath: string): Promise<string> {
    return this.volumes.resolveSubPath(name, subPath);
  }

  volumeDir(name: string): Promise<string> {
    return this.volumes.dir(name);
  }

  removeVolumes(labels: Record<string, string>): Promise<number> {
    return this.volumes.removeAll(labels);
  }

  info(): Promise<RuntimeInfo> {
    return this.engine.info();
  }

  async *events(signal: AbortSignal): AsyncGenerator<RuntimeEvent> {
    const live = (on: boolean): void => this.podLists.setLive(on);
    for await (const ev of dockerEvents(
      { docker: this.docker, cluster: this.o.cluster, node: this.o.node, timeoutMs: this.timeoutMs, live },
      signal,
    )) {
      const startedAt = this.startedHere.get(ev.id);
      this.startedHere.delete(ev.id);
      if (ev.type === 'start' && startedAt !== undefined && Date.now() - startedAt < 10_000) continue;
      if (ev.type === 'oom') this.ooms.add(ev.id);
      this.inspectCache.delete(ev.id);
      if (ev.podUid) this.podLists.podChanged(ev.podUid);
      else this.podLists.containerChanged(ev.id);
      yield ev;
    }
  }
}

function short(id: string): string {
  return id.length > 12 ? id.slice(0, 12) : id;
}
