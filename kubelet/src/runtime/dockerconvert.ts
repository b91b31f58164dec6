/**
 * Pure conversions between Docker's terms (inspect, events, errors, stats, log queries) and the
 * runtime's; no I/O, so they are unit-tested directly.
 */
import type Dockerode from 'dockerode';
import { TimeoutError } from './limiter.js';
import type { MemoryStats } from '@kubelab/proto';
import {
  LABELS,
  RuntimeError,
  labelFields,
  type ContainerLogOptions,
  type ContainerStatsSample,
  type RuntimeContainer,
  type RuntimeEvent,
  type RuntimeState,
} from './runtime.js';

interface DockerErrorLike {
  statusCode?: number;
  message?: string;
  json?: { message?: string } | null;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function toRuntimeError(what: string, err: unknown): RuntimeError {
  if (err instanceof RuntimeError) return err;
  if (err instanceof TimeoutError) return new RuntimeError(err.message, 0);
  const e = (err ?? {}) as DockerErrorLike;
  const msg = (e.json && typeof e.json === 'object' && e.json.message) || e.message || String(err);
  return new RuntimeError(`docker ${what}: ${String(msg).trim()}`, typeof e.statusCode === 'number' ? e.statusCode : 0);
}

function time(t: string | undefined): string | undefined {
  if (!t || t.startsWith(ZERO_TIME.slice(0, 4))) return undefined;
  return t;
}

function stateOf(status: string, error: string): RuntimeState {
  switch (status) {
    case 'running':
    case 'paused':
    case 'restarting':
      return 'running';
    case 'created':
      return error ? 'exited' : 'created';
    case 'exited':
    case 'dead':
    case 'removing':
      return 'exited';
    default:
      return 'unknown';
  }
}

export function toRuntimeContainer(info: Dockerode.ContainerInspectInfo, imageRef: string): RuntimeContainer {
  const labels = info.Config?.Labels ?? {};
  const st = info.State;
  const state = stateOf(st.Status, st.Error ?? '');
  const networks: Record<string, string> = {};
  for (const [name, n] of Object.entries(info.NetworkSettings?.Networks ?? {})) {
    if (n?.IPAddress) networks[name] = n.IPAddress;
  }
  const mode = info.HostConfig?.NetworkMode ?? '';
  const c: RuntimeContainer = {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    labels,
    ...labelFields(labels),
    state,
    createdAt: info.Created,
    image: info.Config?.Image ?? '',
    imageRef,
    networks,
  };
  if (info.Config?.Tty === true) c.tty = true;
  const mounts = (info.Mounts ?? [])
    .filter((m) => m.Source && m.Destination)
    .map((m) => ({ source: m.Source, destination: m.Destination }));
  if (mounts.length) c.mounts = mounts;
  const startedAt = time(st.StartedAt);
  const finishedAt = time(st.FinishedAt);
  if (startedAt) c.startedAt = startedAt;
  if (state === 'exited') {
    if (st.Error) c.startError = st.Error;
    c.exitCode = st.ExitCode || (st.Error ? 128 : 0);
    c.oomKilled = st.OOMKilled === true;
    c.finishedAt = finishedAt ?? startedAt ?? info.Created;
  }
  if (mode.startsWith('container:')) c.sandboxId = mode.slice('container:'.length);
  return c;
}

export function toEvent(raw: Record<string, unknown>): RuntimeEvent | undefined {
  const action = String(raw.Action ?? raw.status ?? '');
  const type = action === 'start' || action === 'die' || action === 'destroy' || action === 'oom' ? action : undefined;
  const actor = raw.Actor as { ID?: string; Attributes?: Record<string, string> } | undefined;
  const id = actor?.ID ?? (typeof raw.id === 'string' ? raw.id : '');
  if (!type || !id) return undefined;
  const attrs = actor?.Attributes ?? {};
  const nano = Number(raw.timeNano);
  return {
    type,
    id,
    podUid: attrs[LABELS.podUid] ?? '',
    containerName: attrs[LABELS.containerName] ?? '',
    time: Number.isFinite(nano) && nano > 0 ? Math.floor(nano / 1e6) : Number(raw.time ?? 0) * 1000,
  };
}

export interface DockerLogOptions {
  follow: boolean;
  stdout: true;
  stderr: true;
  timestamps: boolean;
  tail?: number;
  /** Unix seconds. */
  since?: number;
}

export function toDockerLogOptions(o: ContainerLogOptions): DockerLogOptions {
  const d: DockerLogOptions = { follow: o.follow, stdout: true, stderr: true, timestamps: o.timestamps };
  if (o.tailLines !== undefined) d.tail = o.tailLines;
  if (o.sinceMs !== undefined) d.since = Math.max(0, Math.floor(o.sinceMs / 1000));
  return d;
}

/** The part of Docker's /containers/{id}/stats answer we read. */
export interface DockerStats {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

export function memoryOf(s: DockerStats): MemoryStats {
  const usage = s.memory_stats?.usage ?? 0;
  const st = s.memory_stats?.stats ?? {};
  // cgroup v2 names it inactive_file, v1 total_inactive_file.
  const inactive = st['inactive_file'] ?? st['total_inactive_file'] ?? 0;
  return { usageBytes: usage, workingSetBytes: Math.max(0, usage - inactive) };
}

/** A stats answer as a sample; `now` stands in for a missing or unreadable read time. */
export function toStatsSample(s: DockerStats, now: number): ContainerStatsSample {
  const read = s.read ? Date.parse(s.read) : Number.NaN;
  return {
    timestamp: Number.isFinite(read) && read > 0 ? read : now,
    cpuUsageCoreNanoSeconds: s.cpu_stats?.cpu_usage?.total_usage ?? 0,
    memory: memoryOf(s),
  };
}

/**
 * The containers the engine sent an `oom` event for. The engine's own State.OOMKilled stays false
 * when that event comes after the exit (containerd reports them on separate paths), so an exit
 * by SIGKILL (137) of a container named here counts as OOMKilled too. Bounded: the oldest go.
 */
export class OomNotices {
  private readonly ids = new Set<string>();
  constructor(private readonly max = 1000) {}

  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value as string);
  }

  /** The container with OOMKilled set when the engine's record missed a late `oom` event. */
  apply(c: RuntimeContainer): RuntimeContainer {
    if (c.state === 'exited' && !c.oomKilled && c.exitCode === 137 && this.ids.has(c.id)) c.oomKilled = true;
    return c;
  }
}
