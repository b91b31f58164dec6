/**
 * The files of content volumes (configMap, secret, downwardAPI, projected), computed from the
 * pod and the API objects, and their on-volume layout: like upstream's atomic writer, the files
 * live in a timestamped directory, `..data` points at the current one and each top-level name is
 * a symlink through `..data`, so a rewrite swaps everything at once.
 */
import { createHash } from 'node:crypto';
import type { Pod } from '@kubelab/api';
import type { EnvObjects } from '../env/objects.js';
import { fieldRefValue, resourceFieldValue, type EnvContext } from '../env/resolve.js';
import type { TarEntry } from './tar.js';
import type { TokenSource } from './tokens.js';

export interface VolumeFile {
  path: string;
  content: string;
  mode: number;
}

export class VolumeSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VolumeSetupError';
  }
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

function items(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map(obj).filter((x): x is Obj => x !== undefined) : [];
}

function mode(v: unknown, dflt: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o777 ? v : dflt;
}

function mapLines(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}="${(m ?? {})[k]!.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`)
    .join('\n');
}

async function keyFiles(
  kind: 'configmap' | 'secret',
  src: Obj,
  pod: Pod,
  objects: EnvObjects | undefined,
  defaultMode: number,
): Promise<VolumeFile[]> {
  const ns = pod.metadata.namespace ?? 'default';
  const name = String((kind === 'configmap' ? src['name'] : (src['secretName'] ?? src['name'])) ?? '');
  const data = objects
    ? await (kind === 'configmap' ? objects.configMap(ns, name) : objects.secret(ns, name))
    : undefined;
  const optional = src['optional'] === true;
  if (!data) {
    if (optional) return [];
    throw new VolumeSetupError(`${kind} "${name}" not found`);
  }
  const dm = mode(src['defaultMode'], defaultMode);
  const wanted = items(src['items']);
  if (wanted.length === 0)
    return Object.keys(data)
      .sort()
      .map((k) => ({ path: k, content: data[k]!, mode: dm }));
  const out: VolumeFile[] = [];
  for (const it of wanted) {
    const key = String(it['key'] ?? '');
    const v = data[key];
    if (v === undefined) {
      if (optional) continue;
      throw new VolumeSetupError(
        `${kind === 'configmap' ? 'configmap' : 'secret'} references non-existent ${kind === 'configmap' ? 'config ' : 'secret '}key: ${key}`,
      );
    }
    out.push({ path: String(it['path'] ?? key), content: v, mode: mode(it['mode'], dm) });
  }
  return out;
}

function downwardFiles(src: Obj, pod: Pod, ctx: EnvContext, defaultMode: number): VolumeFile[] {
  const dm = mode(src['defaultMode'], defaultMode);
  return items(src['items']).map((it) => {
    const fr = obj(it['fieldRef']);
    const rf = obj(it['resourceFieldRef']);
    let content = '';
    if (fr) {
      const path = String(fr['fieldPath'] ?? '');
      if (path === 'metadata.labels') content = mapLines(pod.metadata.labels);
      else if (path === 'metadata.annotations') content = mapLines(pod.metadata.annotations);
      else content = fieldRefValue(pod, path, ctx);
    } else if (rf) {
      const c = pod.spec.containers.find((x) => x.name === rf['containerName']) ?? pod.spec.containers[0]!;
      content = resourceFieldValue(pod, c, rf, ctx);
    }
    return { path: String(it['path'] ?? ''), content, mode: mode(it['mode'], dm) };
  });
}

async function tokenFile(
  src: Obj,
  pod: Pod,
  tokens: TokenSource | undefined,
  defaultMode: number,
): Promise<VolumeFile> {
  if (!tokens)
    throw new VolumeSetupError("serviceAccountToken projections need the kubelet's API access (TokenRequest)");
  const exp = typeof src['expirationSeconds'] === 'number' ? src['expirationSeconds'] : 3600;
  const audience = typeof src['audience'] === 'string' && src['audience'] ? src['audience'] : undefined;
  let token: string;
  try {
    token = await tokens.token(pod, audience, exp);
  } catch (err) {
    throw new VolumeSetupError(`failed to fetch token: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { path: String(src['path'] ?? 'token'), content: token, mode: mode(src['mode'], defaultMode) };
}

/** The files of a content volume; undefined for other volume types. */
export async function volumeFiles(
  vol: Obj,
  pod: Pod,
  objects: EnvObjects | undefined,
  ctx: EnvContext,
  tokens?: TokenSource,
): Promise<VolumeFile[] | undefined> {
  const cm = obj(vol['configMap']);
  if (cm) return keyFiles('configmap', cm, pod, objects, 0o644);
  const sec = obj(vol['secret']);
  if (sec) return keyFiles('secret', sec, pod, objects, 0o644);
  const dw = obj(vol['downwardAPI']);
  if (dw) return downwardFiles(dw, pod, ctx, 0o644);
  const pr = obj(vol['projected']);
  if (pr) {
    const dm = mode(pr['defaultMode'], 0o644);
    const out: VolumeFile[] = [];
    for (const s of items(pr['sources'])) {
      const c = obj(s['configMap']);
      const x = obj(s['secret']);
      const d = obj(s['downwardAPI']);
      const t = obj(s['serviceAccountToken']);
      if (t) out.push(await tokenFile(t, pod, tokens, dm));
      else if (c) out.push(...(await keyFiles('configmap', c, pod, objects, dm)));
      else if (x) out.push(...(await keyFiles('secret', x, pod, objects, dm)));
      else if (d) out.push(...downwardFiles(d, pod, ctx, dm));
    }
    return out;
  }
  return undefined;
}

export function filesHash(files: VolumeFile[]): string {
  return createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 16);
}

function safe(path: string): boolean {
  return (
    path !== '' && !path.startsWith('/') && !path.split('/').some((p) => p === '..' || p === '' || p.startsWith('..'))
  );
}

/** The tar entries of one version of the files (written under ..<version>). */
export function atomicLayout(files: VolumeFile[], version: string): TarEntry[] {
  const dir = `..${version}`;
  const entries: TarEntry[] = [{ path: dir, type: 'dir', mode: 0o755 }];
  const dirs = new Set<string>();
  const tops = new Set<string>();
  for (const f of files) {
    if (!safe(f.path))
      throw new VolumeSetupError(`invalid path ${JSON.stringify(f.path)}: must be relative and may not contain '..'`);
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) {
        dirs.add(d);
        entries.push({ path: `${dir}/${d}`, type: 'dir', mode: 0o755 });
      }
    }
    entries.push({ path: `${dir}/${f.path}`, type: 'file', content: Buffer.from(f.content, 'utf8'), mode: f.mode });
    tops.add(parts[0]!);
  }
  entries.push({ path: '..data', type: 'symlink', target: dir });
  for (const t of [...tops].sort()) entries.push({ path: t, type: 'symlink', target: `..data/${t}` });
  return entries;
}
