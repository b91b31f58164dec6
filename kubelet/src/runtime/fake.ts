/**
 * An in-memory ContainerRuntime for unit tests: containers are records whose state tests drive
 * (exit, die, vanish), images are a set, and every call is recorded (fake-base.ts, with the volumes).
 */
import type { Duplex, Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { Container, Pod, Clock } from '@kubelab/api';
import type { ExecOptions } from '@kubelab/proto';
import { logFrom, playedSession } from './fakestreams.js';
import { appCreateOptions } from './containerspec.js';
import { pauseCreateOptions } from './sandboxspec.js';
import { FakeRuntimeBase } from './fake-base.js';
import {
  ImageError,
  RuntimeError,
  labelFields,
  type AttachOptions,
  type ContainerConfig,
  type ContainerLogOptions,
  type ContainerStatsSample,
  type ContainerStream,
  type ContainerRuntime,
  type CommandResult,
  type ImageResult,
  type PullPolicy,
  type RuntimeContainer,
  type RuntimeEvent,
  type RuntimeInfo,
  type Sandbox,
} from './runtime.js';

export interface FakeRuntimeOptions {
  cluster: string;
  node: string;
  network: string;
  clock: Clock;
  pauseImage?: string;
}

export class FakeRuntime extends FakeRuntimeBase implements ContainerRuntime {
  readonly containers = new Map<string, RuntimeContainer>();
  /** Images present locally. */
  readonly images = new Set<string>();
  /** Images a pull would fetch; anything else fails to pull with pullErrors' message or a default. */
  readonly registry = new Set<string>();
  readonly pullErrors = new Map<string, string>();
  /** Exit code a stop produces (SIGTERM honoured: 0; else 137). */
  stopExitCode = 137;
  /** Containers whose start fails (by container name label) with this message. */
  readonly startErrors = new Map<string, string>();
  /** Answers exec calls (probes, hooks); default: exit 0, no output. Throw to simulate a timeout. */
  execHandler: (c: RuntimeContainer, cmd: string[], timeoutMs: number) => CommandResult | Promise<CommandResult> =
    () => ({ exitCode: 0, output: '' });
  /**
   * Answers execStream and attach; by default an exec plays what execHandler answers (output on
   * stdout) and an attach shows nothing until it is closed.
   */
  streamHandler?: (c: RuntimeContainer, opts: ExecOptions, attach: boolean) => ContainerStream;
  /** The log of each container (by id), as text. */
  readonly logText = new Map<string, string>();
  /** Answers port-forward to a sandbox; by default the connection is refused. */
  portHandler: (sandbox: RuntimeContainer, port: number) => Promise<Duplex> = (_s, port) =>
    Promise.reject(new RuntimeError(`connect ECONNREFUSED 10.244.0.2:${port}`));
  /** Usage by container id; a running container without one uses nothing. */
  readonly usage = new Map<string, ContainerStatsSample>();
  /** The Docker create options of every app container, by id. */
  readonly createOptions = new Map<string, Dockerode.ContainerCreateOptions>();
  /** Every exec: container name label and command. */
  readonly execs: { container: string; cmd: string[] }[] = [];
  private seq = 0;
  private ipSeq = 2;
  private readonly listeners = new Set<(e: RuntimeEvent) => void>();

  constructor(private readonly o: FakeRuntimeOptions) {
    super();
    this.images.add(o.pauseImage ?? 'pause:fake');
  }

  private iso(): string {
    return new Date(this.o.clock.now()).toISOString();
  }

  private emit(type: RuntimeEvent['type'], c: RuntimeContainer): void {
    const ev: RuntimeEvent = {
      type,
      id: c.id,
      podUid: c.podUid,
      containerName: c.containerName,
      time: this.o.clock.now(),
    };
    for (const l of this.listeners) l(ev);
  }

  listPodContainers(labels: Record<string, string>): Promise<RuntimeContainer[]> {
    this.enter('list');
    const out = [...this.containers.values()].filter((c) =>
      Object.entries(labels).every(([k, v]) => c.labels[k] === v),
    );
    return Promise.resolve(out.map((c) => structuredClone(c)));
  }

  ensureImage(image: string, policy: PullPolicy): Promise<ImageResult> {
    this.enter('ensureImage');
    const local = this.images.has(image);
    if (policy === 'Never') {
      if (local) return Promise.resolve({ imageId: `sha256:${image}`, pulled: false });
      return Promise.reject(
        new ImageError('ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`),
      );
    }
    if (local && policy === 'IfNotPresent') return Promise.resolve({ imageId: `sha256:${image}`, pulled: false });
    this.calls.push('pull');
    if (this.registry.has(image)) {
      this.images.add(image);
      return Promise.resolve({ imageId: `sha256:${image}`, pulled: true });
    }
    const msg =
      this.pullErrors.get(image) ??
      `pull access denied for ${image}, repository does not exist or may require 'docker login'`;
    if (local) return Promise.resolve({ imageId: `sha256:${image}`, pulled: false, pullError: msg });
    return Promise.reject(new ImageError('ErrImagePull', msg));
  }

  private add(labels: Record<string, string>, name: string, image: string, sandboxId?: string): RuntimeContainer {
    const id = (++this.seq).toString(16).padStart(12, '0') + 'f'.repeat(52);
    for (const c of this.containers.values()) {
      if (c.name === name)
        throw new RuntimeError(
          `docker create ${name}: Conflict. The container name "/${name}" is already in use by container "${c.id}"`,
          409,
        );
    }
    const c: RuntimeContainer = {
      id,
      name,
      labels,
      ...labelFields(labels),
      state: 'created',
      createdAt: this.iso(),
      image,
      imageRef: `docker-pullable://${image}@sha256:0000`,
      networks: {},
    };
    if (sandboxId) c.sandboxId = sandboxId;
    this.containers.set(id, c);
    return c;
  }

  createPause(pod: Pod, attempt = 0): Promise<Sandbox> {
    this.enter('createPause');
    const opts = pauseCreateOptions(pod, {
      cluster: this.o.cluster,
      node: this.o.node,
      network: this.o.network,
      image: this.o.pauseImage ?? 'pause:fake',
      command: ['sleep', 'inf'],
      attempt,
    });
    const c = this.add(opts.Labels ?? {}, opts.name ?? '', opts.Image ?? '');
    c.state = 'running';
    c.startedAt = this.iso();
    c.networks[this.o.network] = `10.244.0.${this.ipSeq++}`;
    this.emit('start', c);
    return Promise.resolve({ id: c.id, ip: c.networks[this.o.network]! });
  }

  createContainer(
    pod: Pod,
    container: Container,
    sandboxId: string,
    restartCount: number,
    config?: ContainerConfig,
  ): Promise<string> {
    this.enter('create');
    if (!this.images.has(container.image))
      return Promise.reject(new RuntimeError(`docker create: No such image: ${container.image}`, 404));
    const opts = appCreateOptions(pod, container, {
      cluster: this.o.cluster,
      node: this.o.node,
      sandboxId,
      restartCount,
      ...(config ? { config } : {}),
    });
    const id = this.add(opts.Labels ?? {}, opts.name ?? '', container.image, sandboxId).id;
    this.createOptions.set(id, opts);
    return Promise.resolve(id);
  }

  start(id: string): Promise<void> {
    this.enter('start');
    const c = this.containers.get(id);
    if (!c) return Promise.reject(new RuntimeError(`docker start: No such container: ${id}`, 404));
    if (c.state === 'running') return Promise.resolve();
    const err = this.startErrors.get(c.containerName);
    if (err) {
      c.state = 'exited';
      c.exitCode = 128;
      c.startError = err;
      c.finishedAt = this.iso();
      return Promise.reject(new RuntimeError(`docker start: ${err}`, 400));
    }
    c.state = 'running';
    c.startedAt = this.iso();
    this.emit('start', c);
    return Promise.resolve();
  }

  stop(id: string, graceSeconds: number): Promise<void> {
    this.enter('stop');
    this.calls.push(`stop:${graceSeconds}`);
    const c = this.containers.get(id);
    if (c && c.state === 'running') this.exit(id, this.stopExitCode);
    return Promise.resolve();
  }

  remove(id: string): Promise<void> {
    this.enter('remove');
    const c = this.containers.get(id);
    if (c) {
      this.containers.delete(id);
      this.emit('destroy', c);
    }
    return Promise.resolve();
  }

  inspect(id: string): Promise<RuntimeContainer | undefined> {
    this.enter('inspect');
    for (const c of this.containers.values()) if (c.id.startsWith(id)) return Promise.resolve(structuredClone(c));
    return Promise.resolve(undefined);
  }

  async exec(id: string, cmd: string[], timeoutMs: number): Promise<CommandResult> {
    this.enter('exec');
    const c = this.running('exec', id);
    this.execs.push({ container: c.containerName, cmd: [...cmd] });
    return this.execHandler(c, cmd, timeoutMs);
  }

  private running(what: string, id: string): RuntimeContainer {
    const c = [...this.containers.values()].find((x) => x.id.startsWith(id));
    if (!c) throw new RuntimeError(`docker ${what}: No such container: ${id}`, 404);
    if (c.state !== 'running') throw new RuntimeError(`docker ${what}: Container ${id} is not running`, 409);
    return c;
  }

  async execStream(id: string, opts: ExecOptions): Promise<ContainerStream> {
    this.enter('execStream');
    const c = this.running('exec', id);
    if (this.streamHandler) return this.streamHandler(c, opts, false);
    const r = await this.execHandler(c, opts.command, 0);
    return playedSession({ stdout: r.output }, Promise.resolve({ code: r.exitCode }));
  }

  async attach(id: string, opts: AttachOptions): Promise<ContainerStream> {
    this.enter('attach');
    const c = this.running('attach', id);
    if (this.streamHandler) return this.streamHandler(c, { ...opts, command: [], tty: c.tty === true }, true);
    return playedSession({}, new Promise(() => undefined));
  }

  async logs(id: string, opts: ContainerLogOptions): Promise<Readable> {
    this.enter('logs');
    if (!this.containers.has(id)) throw new RuntimeError(`docker logs: No such container: ${id}`, 404);
    return logFrom(this.logText.get(id) ?? '', opts);
  }

  async portForward(sandboxId: string, port: number): Promise<Duplex> {
    this.enter('portForward');
    return this.portHandler(this.running('port-forward', sandboxId), port);
  }

  async containerStats(id: string): Promise<ContainerStatsSample> {
    this.enter('containerStats');
    this.running('stats', id);
    return (
      this.usage.get(id) ?? {
        timestamp: this.o.clock.now(),
        cpuUsageCoreNanoSeconds: 0,
        memory: { usageBytes: 0, workingSetBytes: 0 },
      }
    );
  }

  info(): Promise<RuntimeInfo> {
    this.enter('info');
    return Promise.resolve({
      name: 'docker',
      version: '20.10.24',
      operatingSystem: 'Fake OS',
      kernelVersion: '6.1.0-fake',
    });
  }

  async *events(signal: AbortSignal): AsyncGenerator<RuntimeEvent> {
    const buf: RuntimeEvent[] = [];
    let wake: (() => void) | undefined;
    const l = (e: RuntimeEvent): void => {
      buf.push(e);
      wake?.();
    };
    this.listeners.add(l);
    const onAbort = (): void => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        const e = buf.shift();
        if (e) yield e;
        else await new Promise<void>((r) => (wake = r));
      }
    } finally {
      this.listeners.delete(l);
      signal.removeEventListener('abort', onAbort);
    }
  }

  // ---- test controls ----

  /** The container ends with this exit code at the clock's current time. */
  exit(id: string, exitCode: number, opts: { oom?: boolean } = {}): void {
    const c = this.containers.get(id);
    if (!c) throw new Error(`no container ${id}`);
    c.state = 'exited';
    c.exitCode = exitCode;
    c.oomKilled = opts.oom === true;
    c.finishedAt = this.iso();
    this.emit('die', c);
  }

  /** Containers of a pod (by pod uid), optionally of one container name, newest first. */
  podContainers(uid: string, name?: string): RuntimeContainer[] {
    return [...this.containers.values()]
      .filter((c) => c.podUid === uid && (name === undefined || c.containerName === name))
      .sort(
        (a, b) =>
          b.restartCount - a.restartCount ||
          Number.parseInt(b.id.slice(0, 12), 16) - Number.parseInt(a.id.slice(0, 12), 16),
      );
  }

  /** Adds a container directly (as if a previous kubelet had made it). */
  inject(c: Partial<RuntimeContainer> & { labels: Record<string, string> }): RuntimeContainer {
    const full = this.add(c.labels, c.name ?? `injected-${this.seq + 1}`, c.image ?? 'img:1', c.sandboxId);
    Object.assign(full, c, { id: full.id });
    return full;
  }
}
