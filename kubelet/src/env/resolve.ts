/**
 * A container's runtime environment, upstream's makeEnvironmentVariables: service links first
 * (kept unless the container defines the name), then envFrom (with prefix), then env in order —
 * literal values with $(VAR) expansion against what is defined so far, valueFrom resolved from
 * the pod (fieldRef), the resources (resourceFieldRef), ConfigMaps and Secrets. command and args
 * are expanded against the result. A missing non-optional source fails with
 * CreateContainerConfigError and upstream's message.
 */
import type { Container, Pod, Service } from '@kubelab/api';
import { parseQuantity, resourcesOf } from '../quantity.js';
import { expand } from './expand.js';
import type { EnvObjects } from './objects.js';
import { serviceEnv } from './services.js';

export class EnvConfigError extends Error {
  readonly reason = 'CreateContainerConfigError';
  constructor(message: string) {
    super(message);
    this.name = 'EnvConfigError';
  }
}

export interface EnvContext {
  podIP: string;
  hostIP: string;
  objects?: EnvObjects;
  /** Node allocatable, for resourceFieldRef of limits the container does not set. */
  allocatable: { cpu: number; memory: number };
}

export interface ResolvedEnv {
  env: [string, string][];
  command?: string[];
  args?: string[];
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

const BRACKET = /^metadata\.(labels|annotations)\['([^']*)'\]$/;

export function fieldRefValue(pod: Pod, path: string, ctx: EnvContext): string {
  const m = BRACKET.exec(path);
  if (m) {
    const map = (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations) ?? {};
    return map[m[2]!] ?? '';
  }
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? 'default';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return str(pod.spec['serviceAccountName']) ?? 'default';
    case 'status.hostIP':
    case 'status.hostIPs':
      return ctx.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return ctx.podIP;
    default:
      throw new EnvConfigError(`unsupported fieldRef fieldPath: "${path}"`);
  }
}

export function resourceFieldValue(pod: Pod, c: Container, ref: Obj, ctx: EnvContext): string {
  const name = str(ref['containerName']) || c.name;
  const target = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((x) => x.name === name);
  if (!target) throw new EnvConfigError(`container ${name} not found`);
  const resource = str(ref['resource']) ?? '';
  const [kind, res] = resource.split('.', 2) as [string, string | undefined];
  if (
    (kind !== 'limits' && kind !== 'requests') ||
    (res !== 'cpu' && res !== 'memory' && res !== 'ephemeral-storage')
  ) {
    throw new EnvConfigError(`unsupported container resource : ${resource}`);
  }
  const r = resourcesOf(target);
  const given = parseQuantity((kind === 'limits' ? r.limits : r.requests)?.[res]);
  let value = given;
  if (value === undefined && kind === 'limits') value = res === 'cpu' ? ctx.allocatable.cpu : ctx.allocatable.memory;
  if (value === undefined && kind === 'requests') value = parseQuantity(r.limits?.[res]) ?? 0;
  const divisor = parseQuantity(ref['divisor'] as string | number | undefined) || 1;
  return String(Math.ceil(Math.round(((value ?? 0) / divisor) * 1e6) / 1e6));
}

function keyRef(v: unknown): { name: string; key: string; optional: boolean } | undefined {
  const o = obj(v);
  if (!o) return undefined;
  return { name: str(o['name']) ?? '', key: str(o['key']) ?? '', optional: o['optional'] === true };
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export async function resolveEnv(pod: Pod, c: Container, ctx: EnvContext): Promise<ResolvedEnv> {
  const ns = pod.metadata.namespace ?? 'default';
  const objects = ctx.objects;
  const cache = new Map<string, Record<string, string> | undefined>();
  const fetch = async (kind: 'configmap' | 'secret', name: string): Promise<Record<string, string> | undefined> => {
    const k = `${kind}/${name}`;
    if (!cache.has(k))
      cache.set(
        k,
        objects ? await (kind === 'configmap' ? objects.configMap(ns, name) : objects.secret(ns, name)) : undefined,
      );
    return cache.get(k);
  };

  // Service links of the namespace (enableServiceLinks, default true) and the master service, always.
  const svcEnv = new Map<string, string>();
  if (objects) {
    const byName = new Map<string, Service>();
    if (pod.spec['enableServiceLinks'] !== false)
      for (const svc of await objects.services(ns)) byName.set(svc.metadata.name ?? '', svc);
    if (!byName.has('kubernetes')) {
      const master = await objects.service('default', 'kubernetes');
      if (master) byName.set('kubernetes', master);
    }
    const sorted = [...byName.values()].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    for (const [k, v] of serviceEnv(sorted)) svcEnv.set(k, v);
  }

  const tmp = new Map<string, string>();
  const lookup = (name: string): string | undefined => tmp.get(name) ?? svcEnv.get(name);

  for (const from of (c['envFrom'] as unknown[] | undefined) ?? []) {
    const f = obj(from);
    if (!f) continue;
    const prefix = str(f['prefix']) ?? '';
    const cm = obj(f['configMapRef']);
    const sec = obj(f['secretRef']);
    const ref = cm ?? sec;
    if (!ref) continue;
    const kind = cm ? 'configmap' : 'secret';
    const name = str(ref['name']) ?? '';
    const data = await fetch(kind, name);
    if (!data) {
      if (ref['optional'] === true) continue;
      throw new EnvConfigError(`${kind} "${name}" not found`);
    }
    for (const [k, v] of Object.entries(data)) {
      const key = prefix + k;
      if (ENV_NAME.test(key)) tmp.set(key, v);
    }
  }

  for (const e of c.env ?? []) {
    if (!e?.name) continue;
    if (e.valueFrom === undefined || (e.value !== undefined && e.value !== '')) {
      tmp.set(e.name, expand(e.value ?? '', lookup));
      continue;
    }
    const vf = obj(e.valueFrom) ?? {};
    const field = obj(vf['fieldRef']);
    const resField = obj(vf['resourceFieldRef']);
    const cmKey = keyRef(vf['configMapKeyRef']);
    const secKey = keyRef(vf['secretKeyRef']);
    if (field) tmp.set(e.name, fieldRefValue(pod, str(field['fieldPath']) ?? '', ctx));
    else if (resField) tmp.set(e.name, resourceFieldValue(pod, c, resField, ctx));
    else if (cmKey || secKey) {
      const ref = (cmKey ?? secKey)!;
      const kind = cmKey ? 'configmap' : 'secret';
      const data = await fetch(kind, ref.name);
      if (!data) {
        if (ref.optional) continue;
        throw new EnvConfigError(`${kind} "${ref.name}" not found`);
      }
      const v = data[ref.key];
      if (v === undefined) {
        if (ref.optional) continue;
        throw new EnvConfigError(`couldn't find key ${ref.key} in ${cmKey ? 'ConfigMap' : 'Secret'} ${ns}/${ref.name}`);
      }
      tmp.set(e.name, v);
    } else {
      tmp.set(e.name, '');
    }
  }

  const env: [string, string][] = [...tmp.entries()];
  for (const [k, v] of svcEnv) if (!tmp.has(k)) env.push([k, v]);
  const finalMap = new Map(env);
  const all = (name: string): string | undefined => finalMap.get(name);
  const out: ResolvedEnv = { env };
  if (c.command?.length) out.command = c.command.map((s) => expand(s, all));
  if (c.args?.length) out.args = c.args.map((s) => expand(s, all));
  return out;
}
