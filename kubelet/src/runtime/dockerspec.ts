/**
 * Pure translation of pods and containers into Docker create options: names, labels, the
 * Kubernetes command/args semantics, env, resource limits. No I/O, so it is unit-tested directly.
 */
import { createHash } from 'node:crypto';
import type Dockerode from 'dockerode';
import { canonical, defaultPullPolicy, type Container, type Pod } from '@kubelab/api';
import { hostsOptions } from '../dns/poddns.js';
import { parseQuantity, resourcesOf } from '../quantity.js';
import { LABELS, SANDBOX_NAME, type ContainerConfig, type Mount, type PullPolicy } from './runtime.js';

export interface Placement {
  cluster: string;
  node: string;
}

export function shortUid(uid: string | undefined): string {
  return (uid ?? '').replace(/-/g, '').slice(0, 8);
}

/** k8s_<container>_<pod>_<namespace>_<uid8>_<restart>, like upstream's dockershim names. */
export function dockerName(pod: Pod, containerName: string, restartCount: number): string {
  const m = pod.metadata;
  return `k8s_${containerName}_${m.name ?? ''}_${m.namespace ?? 'default'}_${shortUid(m.uid)}_${restartCount}`;
}

export function podLabels(pod: Pod, where: Placement, containerName: string, restartCount: number): Record<string, string> {
  return {
    [LABELS.cluster]: where.cluster,
    [LABELS.node]: where.node,
    [LABELS.podUid]: pod.metadata.uid ?? '',
    [LABELS.podNamespace]: pod.metadata.namespace ?? 'default',
    [LABELS.podName]: pod.metadata.name ?? '',
    [LABELS.containerName]: containerName,
    [LABELS.restartCount]: String(restartCount),
    [LABELS.gracePeriod]: String(gracePeriodOf(pod)),
  };
}

export function gracePeriodOf(pod: Pod): number {
  const g = pod.spec.terminationGracePeriodSeconds;
  return typeof g === 'number' && g >= 0 ? g : 30;
}

/** A stable hash of the container spec: a change (e.g. a new image) means the container is replaced. */
export function containerHash(c: Container): string {
  return createHash('sha256').update(JSON.stringify(canonical(c))).digest('hex').slice(0, 16);
}

/**
 * Kubernetes semantics: `command` replaces the image ENTRYPOINT (and drops its CMD), `args`
 * replaces CMD. Undefined fields leave the image's values alone.
 */
export function commandLine(c: Container): { Entrypoint?: string[]; Cmd?: string[] } {
  const out: { Entrypoint?: string[]; Cmd?: string[] } = {};
  const command = c.command?.length ? c.command : undefined;
  const args = c.args?.length ? c.args : undefined;
  if (command) {
    out.Entrypoint = [...command];
    out.Cmd = args ? [...args] : [];
  } else if (args) {
    out.Cmd = [...args];
  }
  return out;
}

/** NAME=value for every env entry with a literal value (valueFrom is not resolved yet). */
export function envList(c: Container): string[] {
  const out: string[] = [];
  for (const e of c.env ?? []) {
    if (!e?.name) continue;
    if (e.value === undefined && e.valueFrom !== undefined) continue;
    out.push(`${e.name}=${e.value ?? ''}`);
  }
  return out;
}

/** limits.memory → Memory, limits.cpu → NanoCpus, requests.cpu → CpuShares (upstream's mapping). */
export function resourceConfig(c: Container): Pick<Dockerode.HostConfig, 'Memory' | 'NanoCpus' | 'CpuShares'> {
  const { limits = {}, requests = {} } = resourcesOf(c);
  const out: Pick<Dockerode.HostConfig, 'Memory' | 'NanoCpus' | 'CpuShares'> = {};
  const mem = parseQuantity(limits.memory);
  if (mem !== undefined && mem > 0) out.Memory = Math.max(6 * 1024 * 1024, Math.ceil(mem));
  const cpu = parseQuantity(limits.cpu);
  if (cpu !== undefined && cpu > 0) out.NanoCpus = Math.max(1_000_000, Math.round(cpu * 1e9));
  const req = parseQuantity(requests.cpu) ?? (cpu !== undefined && requests.cpu === undefined ? cpu : undefined);
  if (req !== undefined && req > 0) out.CpuShares = Math.max(2, Math.round(req * 1024));
  return out;
}

/** spec.hostname, else the pod name, cut to a DNS label. */
export function podHostname(pod: Pod): string {
  const h = (pod.spec.hostname || pod.metadata.name || 'pod').toLowerCase();
  return h.slice(0, 63).replace(/[-.]+$/, '') || 'pod';
}

export function pullPolicyOf(c: Container): PullPolicy {
  const p = c.imagePullPolicy;
  return p === 'Always' || p === 'IfNotPresent' || p === 'Never' ? p : defaultPullPolicy(c.image);
}

const LOG_CONFIG = { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } };

/**
 * Named volumes as Mounts; host paths as Binds (which, like DirectoryOrCreate, make a missing
 * directory, e.g. the subPath of an emptyDir). A host path the `src:dst` syntax cannot carry (a
 * ':' in either path) goes as a bind Mount, which needs the source to exist.
 */
export function mountConfig(mounts: Mount[]): Pick<Dockerode.HostConfig, 'Mounts' | 'Binds'> {
  const out: Pick<Dockerode.HostConfig, 'Mounts' | 'Binds'> = {};
  const plain = (m: Mount): boolean => !m.source.includes(':') && !m.target.includes(':');
  const asMount = mounts.filter((m) => m.type === 'volume' || !plain(m));
  const binds = mounts.filter((m) => m.type === 'bind' && plain(m));
  if (asMount.length) out.Mounts = asMount.map((m) => ({ Type: m.type, Source: m.source, Target: m.target, ReadOnly: m.readOnly }));
  if (binds.length) out.Binds = binds.map((m) => `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`);
  return out;
}

export interface PauseOptions extends Placement {
  network: string;
  image: string;
  command: string[];
  attempt: number;
  /** Cluster DNS: /etc/hosts gets the pod's hostAliases and, with a subdomain, its FQDN. */
  clusterDomain?: string;
  /** The pod's /etc/resolv.conf, when Docker's own is not right for it (dns/poddns.ts). */
  resolvConf?: string;
}

/** What the sandbox creates once its /etc/resolv.conf is written (the kubelet waits for it). */
export const RESOLV_WRITTEN_MARKER = '/etc/.kubelab-resolv-written';

/**
 * The sandbox's command, writing the pod's /etc/resolv.conf first when it has one. Docker gives
 * every container on a user-defined network its embedded DNS (127.0.0.11), which would also
 * answer for the lab's own containers and pods (the PTR of a pod IP: its Docker name), and the
 * file cannot be copied in (it is a mount point): so the sandbox's own shell rewrites it in place
 * before it becomes the pause process, as dockershim rewrote it; app containers share the file.
 */
export function pauseCommandLine(command: string[], resolvConf: string | undefined): string[] {
  if (resolvConf === undefined) return [...command];
  return ['sh', '-c', `printf '%s' "$0" > /etc/resolv.conf && : > ${RESOLV_WRITTEN_MARKER} && exec "$@"`, resolvConf, ...command];
}

export function pauseCreateOptions(pod: Pod, o: PauseOptions): Dockerode.ContainerCreateOptions {
  // App containers share the sandbox's /etc/hosts and /etc/resolv.conf (Docker's container: mode).
  const { ExtraHosts, Domainname } = o.clusterDomain ? hostsOptions(pod, o.clusterDomain) : {};
  return {
    name: dockerName(pod, SANDBOX_NAME, o.attempt),
    Image: o.image,
    Entrypoint: pauseCommandLine(o.command, o.resolvConf),
    Cmd: [],
    Hostname: podHostname(pod),
    ...(Domainname ? { Domainname } : {}),
    Labels: podLabels(pod, o, SANDBOX_NAME, o.attempt),
    Tty: false,
    // The sandbox only holds the namespaces; nothing to shut down gracefully.
    StopSignal: 'SIGKILL',
    HostConfig: {
      NetworkMode: o.network,
      RestartPolicy: { Name: 'no' },
      LogConfig: LOG_CONFIG,
      ...(ExtraHosts ? { ExtraHosts } : {}),
    },
    NetworkingConfig: { EndpointsConfig: { [o.network]: {} } },
  };
}

export interface AppOptions extends Placement {
  sandboxId: string;
  restartCount: number;
  /** Resolved env and expanded command/args; the hash label still comes from the spec. */
  config?: ContainerConfig;
}

export function appCreateOptions(pod: Pod, c: Container, o: AppOptions): Dockerode.ContainerCreateOptions {
  const opts: Dockerode.ContainerCreateOptions = {
    name: dockerName(pod, c.name, o.restartCount),
    Image: c.image,
    Labels: { ...podLabels(pod, o, c.name, o.restartCount), [LABELS.containerHash]: containerHash(c) },
    Env: o.config ? [...o.config.env] : envList(c),
    Tty: c.tty === true,
    OpenStdin: c.stdin === true,
    StdinOnce: c.stdinOnce === true,
    HostConfig: {
      NetworkMode: `container:${o.sandboxId}`,
      RestartPolicy: { Name: 'no' },
      LogConfig: LOG_CONFIG,
      ...resourceConfig(c),
      ...mountConfig(o.config?.mounts ?? []),
    },
    ...commandLine(o.config ? { ...c, command: o.config.command, args: o.config.args } : c),
  };
  if (c.workingDir) opts.WorkingDir = c.workingDir;
  return opts;
}
