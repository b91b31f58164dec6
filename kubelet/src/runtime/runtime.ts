/**
 * The seam between the kubelet and whatever runs containers. The kubelet only ever speaks in
 * pods (a sandbox + app containers, found again by their labels); the runtime speaks Docker (or
 * memory, in tests). Every container the runtime makes carries the labels in LABELS. Like CRI, the
 * seam is a runtime service (sandboxes, containers), a streaming service (exec, attach, logs,
 * port-forward, stats), an image service and a volume service; the Docker implementation is
 * docker.ts, the in-memory ones fake.ts (unit tests) and hollow.ts (hollow nodes).
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import type { Container, Pod } from '@kubelab/api';
import type { ExecOptions, ExecResult, MemoryStats } from '@kubelab/proto';

export const LABELS = {
  cluster: 'io.kubelab.cluster',
  node: 'io.kubelab.node',
  podUid: 'io.kubernetes.pod.uid',
  podNamespace: 'io.kubernetes.pod.namespace',
  podName: 'io.kubernetes.pod.name',
  containerName: 'io.kubernetes.container.name',
  restartCount: 'io.kubelab.restart-count',
  containerHash: 'io.kubelab.container-hash',
  gracePeriod: 'io.kubernetes.pod.terminationGracePeriod',
} as const;

/** The container name of the pod sandbox (the "pause" container) in labels and Docker names. */
export const SANDBOX_NAME = 'POD';

export type RuntimeState = 'created' | 'running' | 'exited' | 'unknown';

export interface RuntimeContainer {
  id: string;
  /** The runtime's name, without a leading slash. */
  name: string;
  labels: Record<string, string>;
  /** From labels; "" when missing. */
  podUid: string;
  podName: string;
  podNamespace: string;
  containerName: string;
  restartCount: number;
  /** The spec hash label of app containers ("" for the sandbox or when missing). */
  hash: string;
  state: RuntimeState;
  exitCode?: number;
  oomKilled?: boolean;
  /** Set when the container could not be started (it then counts as exited). */
  startError?: string;
  /** ISO timestamps; createdAt always set, the others when they happened. */
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** The image as asked for, and the reference status reports as imageID. */
  image: string;
  imageRef: string;
  /** The sandbox this container shares its network namespace with (app containers). */
  sandboxId?: string;
  /** IPv4 address per network (sandboxes). */
  networks: Record<string, string>;
  /** The container was made with a terminal (its output is then not multiplexed). */
  tty?: boolean;
  /** Its mounts: where each comes from on the engine's host, and where it is inside. */
  mounts?: { source: string; destination: string }[];
}

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export interface ImageResult {
  /** The local image id (sha256:...). */
  imageId: string;
  /** True when this call pulled the image. */
  pulled: boolean;
  /** A pull that failed although a local copy could be used (policy Always, offline lab). */
  pullError?: string;
}

/** Why an image is not there: reason ErrImagePull or ErrImageNeverPull, and Docker's message. */
export class ImageError extends Error {
  constructor(
    readonly reason: 'ErrImagePull' | 'ErrImageNeverPull' | 'InvalidImageName',
    message: string,
  ) {
    super(message);
    this.name = 'ImageError';
  }
}

/** A failed runtime call: what was attempted and the runtime's own message. */
export class RuntimeError extends Error {
  constructor(
    message: string,
    /** HTTP-ish status of the runtime (404 missing, 409 conflict, 0 timeout/transport). */
    readonly status = 0,
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}

export interface Sandbox {
  id: string;
  ip: string;
}

export interface RuntimeEvent {
  type: 'start' | 'die' | 'destroy' | 'oom';
  id: string;
  podUid: string;
  containerName: string;
  /** Milliseconds since the epoch. */
  time: number;
}

/** A pod volume in a container: a Docker named volume, or a bind mount of a host path. */
export interface Mount {
  type: 'volume' | 'bind';
  /** Volume name, or host path. */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface VolumeOptions {
  /** emptyDir medium Memory: a tmpfs, optionally limited to sizeBytes. */
  tmpfs?: { sizeBytes?: number };
}

/** What the kubelet resolved for a container before creating it. */
export interface ContainerConfig {
  /** NAME=value */
  env: string[];
  command?: string[];
  args?: string[];
  mounts?: Mount[];
}

/** What a command run in a container to its end produced (probes, hooks: CRI's ExecSync). */
export interface CommandResult {
  exitCode: number;
  /** stdout and stderr, interleaved as they came. */
  output: string;
}

/**
 * A command run with its streams attached (kubectl exec), or an attach to the container's main
 * process (kubectl attach). Only its setup is bounded by the runtime's deadlines.
 */
export interface ContainerStream {
  /** Input of the process; writes are dropped unless stdin was asked for. End it to close stdin. */
  stdin: Writable;
  stdout: Readable;
  /** Stays empty with a tty (the terminal carries both). */
  stderr: Readable;
  resize(width: number, height: number): void;
  /** Settles once the output is complete: the exit code, or why there is none. */
  exit: Promise<ExecResult>;
  /** Drops the connection (the caller went away); the process itself is not killed. */
  close(): void;
}

/** Which streams an attach connects. */
export type AttachOptions = Omit<ExecOptions, 'command' | 'tty'>;

/** Which part of a container's log to read. */
export interface ContainerLogOptions {
  /** Keep the stream open for new lines until the container stops. */
  follow: boolean;
  timestamps: boolean;
  tailLines?: number;
  /** Only lines from this moment on (ms since the epoch). */
  sinceMs?: number;
}

/** One reading of a running container's usage (CRI's ContainerStats). */
export interface ContainerStatsSample {
  /** When the runtime read it (ms since the epoch). */
  timestamp: number;
  /** CPU time used since the container started. */
  cpuUsageCoreNanoSeconds: number;
  memory: MemoryStats;
}

export interface RuntimeInfo {
  /** "docker" */
  name: string;
  version: string;
  operatingSystem: string;
  kernelVersion: string;
}

/** Sandboxes and containers, found again by their labels (CRI's RuntimeService). */
export interface RuntimeService {
  /** All containers (any state) whose labels include every pair of `labels`. */
  listPodContainers(labels: Record<string, string>): Promise<RuntimeContainer[]>;
  /** Creates and starts the pod's sandbox on the cluster network; attempt numbers recreations. */
  createPause(pod: Pod, attempt?: number): Promise<Sandbox>;
  /**
   * Creates (does not start) an app container in the sandbox's network namespace; returns its id.
   * config carries the resolved env and the $(VAR)-expanded command/args (default: literal env).
   */
  createContainer(
    pod: Pod,
    container: Container,
    sandboxId: string,
    restartCount: number,
    config?: ContainerConfig,
  ): Promise<string>;
  start(id: string): Promise<void>;
  /** SIGTERM (or the image's stop signal), SIGKILL after graceSeconds. Missing or stopped: no-op. */
  stop(id: string, graceSeconds: number): Promise<void>;
  /** Force-removes the container; missing: no-op. */
  remove(id: string): Promise<void>;
  /** undefined when the container does not exist. Accepts an id prefix. */
  inspect(id: string): Promise<RuntimeContainer | undefined>;
  /** start/die/destroy/oom of this cluster's containers, until the signal aborts or the stream breaks. */
  events(signal: AbortSignal): AsyncIterable<RuntimeEvent>;
  /** Version and host facts, also a liveness check. */
  info(): Promise<RuntimeInfo>;
}

/** Commands, logs, ports and usage of running containers (the kubelet API's side of CRI). */
export interface StreamingService {
  /**
   * Runs cmd inside the running container and waits for it to end (probes, hooks). Throws
   * RuntimeError: status 404 when the container is missing, 0 when timeoutMs passed first.
   */
  exec(id: string, cmd: string[], timeoutMs: number): Promise<CommandResult>;
  /** Starts a command in the running container with the streams asked for (kubectl exec). */
  execStream(id: string, opts: ExecOptions): Promise<ContainerStream>;
  /** Connects to the streams of the container's main process (kubectl attach). */
  attach(id: string, opts: AttachOptions): Promise<ContainerStream>;
  /** stdout and stderr of the container merged, ending at the end of the log (follow: when it stops). */
  logs(id: string, opts: ContainerLogOptions): Promise<Readable>;
  /** A TCP connection to the port in the network namespace of the sandbox (kubectl port-forward). */
  portForward(sandboxId: string, port: number): Promise<Duplex>;
  /** Current usage of a running container. */
  containerStats(id: string): Promise<ContainerStatsSample>;
}

/** Images (CRI's ImageService). */
export interface ImageService {
  /** Makes the image available according to the policy; throws ImageError. */
  ensureImage(image: string, policy: PullPolicy): Promise<ImageResult>;
}

/** The pod volumes that live in the runtime (named volumes, labelled like containers). */
export interface VolumeService {
  /** Creates the named volume with these labels if it does not exist (in memory: a tmpfs one). */
  ensureVolume(name: string, labels: Record<string, string>, opts?: VolumeOptions): Promise<void>;
  /** Extracts a tar archive into the root of the named volume (pod volumes with content). */
  writeVolume(name: string, archive: Buffer): Promise<void>;
  /**
   * The directory on the engine's host that holds the named volume's files: a subPath of a volume
   * is mounted as a bind of a part of it (Docker 20.10 cannot mount a part of a named volume).
   */
  volumeDir(name: string): Promise<string>;
  /**
   * The subPath of the named volume with every symbolic link in it resolved, relative to the
   * volume's directory (volumes/subpath.ts resolveInVolume); VolumeSetupError when a link the
   * pod made leads outside the volume.
   */
  resolveSubPath(name: string, subPath: string): Promise<string>;
  /** Removes every volume whose labels include all of `labels`; returns how many went. */
  removeVolumes(labels: Record<string, string>): Promise<number>;
}

/** The one seam between the kubelet and whatever runs containers: every Docker call goes through it. */
export interface ContainerRuntime extends RuntimeService, StreamingService, ImageService, VolumeService {}

/** Reads the labels of a runtime container into the parsed fields of RuntimeContainer. */
export function labelFields(
  labels: Record<string, string>,
): Pick<RuntimeContainer, 'podUid' | 'podName' | 'podNamespace' | 'containerName' | 'restartCount' | 'hash'> {
  const rc = Number.parseInt(labels[LABELS.restartCount] ?? '0', 10);
  return {
    podUid: labels[LABELS.podUid] ?? '',
    podName: labels[LABELS.podName] ?? '',
    podNamespace: labels[LABELS.podNamespace] ?? '',
    containerName: labels[LABELS.containerName] ?? '',
    restartCount: Number.isFinite(rc) && rc >= 0 ? rc : 0,
    hash: labels[LABELS.containerHash] ?? '',
  };
}

/** Newest first: higher restart count, then later creation. */
export function newestFirst(a: RuntimeContainer, b: RuntimeContainer): number {
  if (a.restartCount !== b.restartCount) return b.restartCount - a.restartCount;
  return Date.parse(b.createdAt) - Date.parse(a.createdAt);
}
