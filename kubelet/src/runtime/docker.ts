/**
 * The Docker implementation of ContainerRuntime, on dockerode (socket /var/run/docker.sock, or
 * DOCKER_HOST). Every call has a deadline; quick calls and slow ones (pull, stop) each go through
 * their own semaphore so a burst of work cannot flood the daemon nor starve quick calls.
 */
import { PassThrough } from 'node:stream';
import Dockerode from 'dockerode';
import type { Logger } from 'pino';
import type { Container, Pod } from '@kubelab/api';
import { podResolverConfig, resolvConfText, type DnsSettings } from '../dns/poddns.js';
import { appCreateOptions, pauseCreateOptions } from './dockerspec.js';
import { resolvWritten } from './dockerdns.js';
import { jsonLines } from './jsonlines.js';
import { toEvent, toRuntimeContainer, toRuntimeError } from './dockerconvert.js';
import { Semaphore, withTimeout } from './limiter.js';
import { PodListCache } from './podcache.js';
import { DockerImages } from './dockerimages.js';
import { DockerVolumes } from './dockervolumes.js';
import {
  LABELS,
  RuntimeError,
  type ContainerConfig,
  type ContainerRuntime,
  type ExecResult,
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
  /** Probes and hooks: their own lane, so long-running commands never hold up quick calls. */
  private readonly execLane: Semaphore;
  private readonly timeoutMs: number;
  private readonly inspectCache = new Map<string, { key: string; c: RuntimeContainer }>();
  private readonly images: DockerImages;
  private readonly volumes: DockerVolumes;
  private lastInfo: { info: RuntimeInfo; at: number } | undefined;
  private readonly podLists = new PodListCache();
  /** Containers this kubelet started whose `start` event has not come yet: that event tells nothing new. */
  private readonly startedHere = new Map<string, number>();
  private readonly log: Logger;

  constructor(private readonly o: DockerRuntimeOptions) {
    this.docker = o.docker ?? new Dockerode();
    this.quick = new Semaphore(o.concurrency ?? 8);
    this.slow = new Semaphore(o.concurrency ?? 8);
    this.execLane = new Semaphore(o.concurrency ?? 8);
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
  }

  /** One Docker call: a lane slot, a deadline, and errors as RuntimeError. */
  private async call<T>(what: string, fn: (signal: AbortSignal) => Promise<T>, opts: { timeoutMs?: number; lane?: Semaphore } = {}): Promise<T> {
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
    if (!uid || keys.length !== 3 || labels[LABELS.cluster] !== this.o.cluster || labels[LABELS.node] !== this.o.node) return undefined;
    return uid;
  }

  private async list(labels: Record<string, string>): Promise<RuntimeContainer[]> {
    const filters = { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
    const list = await this.call('list containers', (abortSignal) => this.docker.listContainers({ all: true, filters, abortSignal } as Dockerode.ContainerListOptions));
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
      info = await this.call(`inspect ${short(id)}`, (abortSignal) => this.docker.getContainer(id).inspect({ abortSignal }));
    } catch (err) {
      if (err instanceof RuntimeError && err.status === 404) return undefined;
      throw err;
    }
    return toRuntimeContainer(info, await this.images.ref(info.Image));
  }

  ensureImage(image: string, policy: PullPolicy): Promise<ImageResult> {
    return this.images.ensure(image, policy);
  }

  private async create(opts: Dockerode.ContainerCreateOptions): Promise<string> {
    const uid = opts.Labels?.[LABELS.podUid];
    if (uid) this.podLists.podChanged(uid);
    try {
      const c = await this.call(`create ${opts.name ?? ''}`, (abortSignal) => this.docker.createContainer({ ...opts, abortSignal }));
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
      const [c] = await Promise.all([this.inspect(id), resolv && resolvWritten(id, { docker: this.docker, call: (what, fn) => this.call(what, fn), inspect: (i) => this.inspect(i) })]);
      const ip = c?.networks[this.o.network];
      if (!c || c.state !== 'running') throw new RuntimeError(`sandbox ${opts.name ?? id} is not running (state ${c?.state ?? 'missing'})`);
      if (!ip) throw new RuntimeError(`sandbox ${opts.name ?? id} got no IP address on network ${this.o.network}`);
      return { id, ip };
    } catch (err) {
      await this.remove(id).catch(() => undefined);
      throw err;
    }
  }

  createContainer(pod: Pod, container: Container, sandboxId: string, restartCount: number, config?: ContainerConfig): Promise<string> {
    return this.create(appCreateOptions(pod, container, { cluster: this.o.cluster, node: this.o.node, sandboxId, restartCount, ...(config ? { config } : {}) }));
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
      await this.call(`remove ${short(id)}`, (abortSignal) => this.docker.getContainer(id).remove({ force: true, v: true, abortSignal } as Dockerode.ContainerRemoveOptions));
    } catch (err) {
      if (err instanceof RuntimeError && err.status === 404) return;
      // "removal of container ... is already in progress"
      if (err instanceof RuntimeError && err.status === 409 && /already in progress/.test(err.message)) return;
      throw err;
    } finally {
      this.changed(id, true);
    }
  }

  async exec(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
    return this.call(
      `exec ${short(id)}`,
      async (abortSignal) => {
        const e = await this.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, abortSignal } as Dockerode.ExecCreateOptions);
        const stream = await e.start({ hijack: true, stdin: false, abortSignal } as Dockerode.ExecStartOptions);
        const chunks: Buffer[] = [];
        const sink = new PassThrough();
        sink.on('data', (b: Buffer) => chunks.push(b));
        this.docker.modem.demuxStream(stream, sink, sink);
        abortSignal.addEventListener('abort', () => stream.destroy(), { once: true });
        await new Promise<void>((resolve, reject) => {
          stream.on('end', resolve);
          stream.on('close', resolve);
          stream.on('error', reject);
        });
        const info = (await e.inspect({ abortSignal } as Dockerode.ExecInspectOptions)) as Dockerode.ExecInspectInfo;
        return { exitCode: info.ExitCode ?? -1, output: Buffer.concat(chunks).toString('utf8') };
      },
      { timeoutMs, lane: this.execLane },
    );
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

  /**
   * Between full reads (every INFO_REFRESH_MS) the engine is only pinged: its /info runs `runc
   * --version` and `docker-init --version` and counts every container and image, measured here at
   * 150–2000 ms during a burst, while /_ping costs it next to nothing.
   */
  async info(): Promise<RuntimeInfo> {
    const known = this.lastInfo;
    if (known && Date.now() - known.at < INFO_REFRESH_MS) {
      await this.call('ping', (abortSignal) => (this.docker.ping as (o: object) => Promise<unknown>).call(this.docker, { abortSignal }));
      return known.info;
    }
    const info = await this.readInfo();
    this.lastInfo = { info, at: Date.now() };
    return info;
  }

  private async readInfo(): Promise<RuntimeInfo> {
    const [version, info] = await Promise.all([
      this.call('version', (abortSignal) => (this.docker.version as (o: object) => Promise<Dockerode.DockerVersion>).call(this.docker, { abortSignal })),
      this.call('info', (abortSignal) => (this.docker.info as (o: object) => Promise<{ OperatingSystem?: string; KernelVersion?: string }>).call(this.docker, { abortSignal })),
    ]);
    return {
      name: 'docker',
      version: version.Version,
      operatingSystem: info.OperatingSystem ?? '',
      kernelVersion: info.KernelVersion ?? version.KernelVersion ?? '',
    };
  }

  async *events(signal: AbortSignal): AsyncGenerator<RuntimeEvent> {
    if (signal.aborted) return;
    const ac = new AbortController();
    const onAbort = (): void => ac.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const connectTimer = setTimeout(() => ac.abort(), this.timeoutMs);
    let stream: (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
    try {
      stream = (await this.docker.getEvents({
        filters: {
          type: ['container'],
          event: ['start', 'die', 'destroy', 'oom'],
          label: [`${LABELS.cluster}=${this.o.cluster}`, `${LABELS.node}=${this.o.node}`],
        },
        abortSignal: ac.signal,
      } as Dockerode.GetEventsOptions)) as NodeJS.ReadableStream & { destroy?: () => void };
      clearTimeout(connectTimer);
      ac.signal.addEventListener('abort', () => stream?.destroy?.(), { once: true });
      // Changes from now on are seen; lists taken before this moment may have missed some.
      this.podLists.setLive(true);
      for await (const raw of jsonLines(stream as AsyncIterable<unknown>)) {
        const ev = toEvent(raw);
        if (!ev) continue;
        const startedAt = this.startedHere.get(ev.id);
        this.startedHere.delete(ev.id);
        if (ev.type === 'start' && startedAt !== undefined && Date.now() - startedAt < 10_000) continue;
        this.inspectCache.delete(ev.id);
        if (ev.podUid) this.podLists.podChanged(ev.podUid);
        else this.podLists.containerChanged(ev.id);
        yield ev;
      }
    } catch (err) {
      if (signal.aborted) return;
      if (ac.signal.aborted && !stream) throw new RuntimeError(`docker events: timed out after ${this.timeoutMs / 1000}s`);
      throw toRuntimeError('events', err);
    } finally {
      this.podLists.setLive(false);
      clearTimeout(connectTimer);
      signal.removeEventListener('abort', onAbort);
      stream?.destroy?.();
    }
  }
}

/** How often info() reads the engine's version and host facts again (in between it pings). */
const INFO_REFRESH_MS = 5 * 60_000;

function short(id: string): string {
  return id.length > 12 ? id.slice(0, 12) : id;
}
