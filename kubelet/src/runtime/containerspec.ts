/**
 * An app (or init) container on Docker: its create options in the sandbox's network namespace,
 * with the Kubernetes command/args semantics, env, resource limits and mounts. Pure, so
 * unit-tested directly.
 */
import type Dockerode from 'dockerode';
import type { Container, Pod } from '@kubelab/api';
import { containerHash } from '../podspec.js';
import { parseQuantity, resourcesOf } from '../quantity.js';
import { LOG_CONFIG, dockerName, podLabels, type Placement } from './dockerspec.js';
import { LABELS, type ContainerConfig, type Mount } from './runtime.js';

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
  if (asMount.length)
    out.Mounts = asMount.map((m) => ({ Type: m.type, Source: m.source, Target: m.target, ReadOnly: m.readOnly }));
  if (binds.length) out.Binds = binds.map((m) => `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`);
  return out;
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
