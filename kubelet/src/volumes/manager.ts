/**
 * Pod volumes on Docker: emptyDir (medium Memory: a tmpfs-backed volume) and content volumes (configMap, secret, downwardAPI,
 * projected) are Docker named volumes labelled with the cluster, node and pod uid, removed with
 * the pod (or, with the kubelet's own directory, localdir.ts, files it writes there and containers
 * bind-mount: no Docker volume, no helper container); a persistentVolumeClaim is its PersistentVolume's Docker volume or host path (claims.ts); content volumes are (re)written whenever their files change, so updates reach running
 * pods; hostPath is a bind mount of the host's path. A subPath (or expanded subPathExpr) of any
 * of them is a bind mount of that part of the volume's host directory: the engine makes a
 * missing directory, as upstream does; a file of a content volume is bound as the version
 * current at container start (like upstream, such a mount does not see later updates).
 */
import { posix } from 'node:path';
import type { Logger } from 'pino';
import { claimNameOf, type Container, type Pod } from '@kubelab/api';
import type { EnvObjects } from '../env/objects.js';
import type { EnvContext } from '../env/resolve.js';
import { parseQuantity } from '../quantity.js';
import { LABELS, type ContainerRuntime, type Mount, type VolumeOptions } from '../runtime/runtime.js';
import { atomicLayout, filesHash, volumeFiles, VolumeSetupError } from './content.js';
import { subPathOf, wantsSubPath } from './subpath.js';
import { claimSource, PV_LABEL, type ClaimObjects } from './claims.js';
import { tar } from './tar.js';
import type { TokenSource } from './tokens.js';
import type { LocalContent } from './localdir.js';

export const VOLUME_LABEL = 'io.kubelab.volume';

export interface VolumeSource {
  type: 'volume' | 'bind';
  source: string;
  /** configMap/secret/downwardAPI/projected are always mounted read-only. */
  readOnly: boolean;
  /** The volume's directory on the engine's host, when a container mounts a subPath of it. */
  hostDir?: string;
  /** Why a subPath of this volume cannot be mounted. */
  noSubPath?: string;
}

export interface VolumeManagerOptions {
  runtime: ContainerRuntime;
  cluster: string;
  node: string;
  log: Logger;
  objects?: EnvObjects;
  /** PersistentVolumeClaims and their volumes (persistentVolumeClaim volumes); without it those fail to mount. */
  claims?: ClaimObjects;
  /** Tokens of serviceAccountToken projections (kube-api-access volumes); without it those fail to mount. */
  tokens?: TokenSource;
  /** The kubelet's own directory: content volumes not used by a subPath are written there and bind-mounted (no Docker volume). */
  local?: LocalContent;
  /** Version names of rewritten content (default: a timestamp). */
  version?: () => string;
}

export { VolumeSetupError };

/** Docker volume name of a pod volume. */
export function dockerVolumeName(uid: string, volume: string): string {
  return `kubelab-${uid}-${volume}`;
}

type Obj = Record<string, unknown>;

function mountsOf(c: Container): Obj[] {
  return ((c['volumeMounts'] as unknown[] | undefined) ?? []).filter(
    (m): m is Obj => typeof m === 'object' && m !== null,
  );
}

/** Names of the pod's volumes that some container mounts only a part of. */
function subPathVolumes(pod: Pod): Set<string> {
  const out = new Set<string>();
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers])
    for (const m of mountsOf(c)) if (wantsSubPath(m)) out.add(String(m['name'] ?? ''));
  return out;
}

export class VolumeManager {
  /** Last written content hash per docker volume name. */
  private readonly written = new Map<string, string>();
  private seq = 0;
  constructor(private readonly o: VolumeManagerOptions) {}

  /** Asks for the tokens of the pod's serviceAccountToken projections ahead of setUp (errors surface there). */
  prefetch(pod: Pod): void {
    const tokens = this.o.tokens;
    if (!tokens) return;
    for (const raw of (pod.spec['volumes'] as unknown[] | undefined) ?? []) {
      const sources = ((raw as Obj)['projected'] as Obj | undefined)?.['sources'];
      for (const s of Array.isArray(sources) ? (sources as Obj[]) : []) {
        const t = s?.['serviceAccountToken'] as Obj | undefined;
        if (!t) continue;
        const exp = typeof t['expirationSeconds'] === 'number' ? t['expirationSeconds'] : 3600;
        tokens
          .token(pod, typeof t['audience'] === 'string' && t['audience'] ? t['audience'] : undefined, exp)
          .catch(() => undefined);
      }
    }
  }

  /** Makes every volume of the pod exist with current content; returns the sources by volume name. */
  async setUp(pod: Pod, ctx: Omit<EnvContext, 'objects'>): Promise<Map<string, VolumeSource>> {
    const uid = pod.metadata.uid ?? '';
    const out = new Map<string, VolumeSource>();
    const partly = subPathVolumes(pod);
    for (const raw of (pod.spec['volumes'] as unknown[] | undefined) ?? []) {
      const vol = raw as Obj;
      const name = String(vol['name'] ?? '');
      const claimName = claimNameOf(vol);
      if (claimName) {
        out.set(name, await this.claimVolume(pod, name, claimName, vol, partly.has(name)));
        continue;
      }
      const hostPath = vol['hostPath'] as Obj | undefined;
      if (hostPath) {
        const path = String(hostPath['path'] ?? '');
        out.set(name, { type: 'bind', source: path, readOnly: false, hostDir: path });
        continue;
      }
      const files = await volumeFiles(
        vol,
        pod,
        this.o.objects,
        { ...ctx, ...(this.o.objects ? { objects: this.o.objects } : {}) },
        this.o.tokens,
      ).catch((err: unknown) => {
        throw new VolumeSetupError(
          `MountVolume.SetUp failed for volume "${name}" : ${err instanceof Error ? err.message : String(err)}`,
        );
      });
      const dv = dockerVolumeName(uid, name);
      if (files && this.o.local && !partly.has(name)) {
        await this.writeChanged(dv, files, (version) => this.o.local!.write(uid, name, atomicLayout(files, version)));
        out.set(name, { type: 'bind', source: this.o.local.hostPathOf(uid, name), readOnly: true });
        continue;
      }
      if (files === undefined && !vol['emptyDir'] && Object.keys(vol).some((k) => k !== 'name' && k !== 'emptyDir')) {
        const kind = Object.keys(vol).find((k) => k !== 'name') ?? '';
        this.o.log.warn({ volume: name, kind }, 'unsupported volume type; using an empty directory');
      }
      const emptyDir = vol['emptyDir'] as Obj | undefined;
      const opts: VolumeOptions = {};
      if (emptyDir && emptyDir['medium'] === 'Memory') {
        const size = parseQuantity(emptyDir['sizeLimit'] as string | number | undefined);
        opts.tmpfs = size ? { sizeBytes: size } : {};
      }
      await this.o.runtime.ensureVolume(
        dv,
        {
          [LABELS.cluster]: this.o.cluster,
          [LABELS.node]: this.o.node,
          [LABELS.podUid]: uid,
          [LABELS.podNamespace]: pod.metadata.namespace ?? 'default',
          [LABELS.podName]: pod.metadata.name ?? '',
          [VOLUME_LABEL]: name,
        },
        opts,
      );
      if (files)
        await this.writeChanged(dv, files, (version) =>
          this.o.runtime.writeVolume(dv, tar(atomicLayout(files, version))),
        );
      const src: VolumeSource = { type: 'volume', source: dv, readOnly: files !== undefined };
      if (partly.has(name)) {
        if (opts.tmpfs)
          src.noSubPath = `subPath is not supported for emptyDir volume "${name}" with medium Memory: Docker 20.10 cannot mount a part of a tmpfs volume; mount the whole volume instead`;
        else src.hostDir = await this.o.runtime.volumeDir(dv);
      }
      out.set(name, src);
    }
    return out;
  }

  /** Writes the files (as a new version) unless they are what was written last. */
  private async writeChanged(
    key: string,
    files: Parameters<typeof filesHash>[0],
    write: (version: string) => Promise<void>,
  ): Promise<void> {
    const hash = filesHash(files);
    if (this.written.get(key) === hash) return;
    await write(this.o.version?.() ?? `${new Date().toISOString().replace(/[-:.]/g, '')}_${++this.seq}`);
    this.written.set(key, hash);
  }

  /** A claim's volume: its Docker named volume (made on first use, labelled with its PV, kept with it), or its PV's host path. */
  private async claimVolume(
    pod: Pod,
    name: string,
    claimName: string,
    vol: Obj,
    partly: boolean,
  ): Promise<VolumeSource> {
    if (!this.o.claims)
      throw new VolumeSetupError(`volume "${name}": persistentVolumeClaim volumes need the kubelet's API access`);
    const readOnly = (vol['persistentVolumeClaim'] as Obj)['readOnly'] === true;
    const src = await claimSource(this.o.claims, pod.metadata.namespace ?? 'default', name, claimName, readOnly);
    if (src.type === 'bind') return { type: 'bind', source: src.path, readOnly: src.readOnly, hostDir: src.path };
    await this.o.runtime.ensureVolume(src.dockerVolume, { [LABELS.cluster]: this.o.cluster, [PV_LABEL]: src.pv });
    const out: VolumeSource = { type: 'volume', source: src.dockerVolume, readOnly: src.readOnly };
    if (partly) out.hostDir = await this.o.runtime.volumeDir(src.dockerVolume);
    return out;
  }

  /**
   * The container's volumeMounts as runtime mounts; env (the container's resolved environment)
   * expands subPathExpr. Throws VolumeSetupError (CreateContainerConfigError) for a bad subPath,
   * also one that a symbolic link in the volume leads out of it (hostPath parts are not checked:
   * a hostPath volume already gives its pod that part of the host).
   */
  async mounts(
    c: Container,
    sources: ReadonlyMap<string, VolumeSource>,
    env: Iterable<readonly [string, string]> = [],
  ): Promise<Mount[]> {
    const out: Mount[] = [];
    const vars = new Map<string, string>();
    for (const [k, v] of env) vars.set(k, v);
    for (const m of mountsOf(c)) {
      const name = String(m['name'] ?? '');
      const src = sources.get(name);
      if (!src) throw new VolumeSetupError(`volume "${name}" not found in the pod's volumes`);
      const target = String(m['mountPath'] ?? '');
      const readOnly = src.readOnly || m['readOnly'] === true;
      const sub = subPathOf(m, vars);
      if (!sub) {
        out.push({ type: src.type, source: src.source, target, readOnly });
        continue;
      }
      const failed = `failed to prepare subPath for volumeMount "${name}" of container "${c.name}"`;
      if (src.noSubPath) throw new VolumeSetupError(src.noSubPath);
      if (!src.hostDir) throw new VolumeSetupError(`${failed}: the volume's host directory is unknown`);
      let rel = sub;
      if (src.type === 'volume') {
        try {
          rel = await this.o.runtime.resolveSubPath(src.source, sub);
        } catch (err) {
          throw new VolumeSetupError(`${failed}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      out.push({ type: 'bind', source: rel === '' ? src.hostDir : posix.join(src.hostDir, rel), target, readOnly });
    }
    return out;
  }

  /** Removes the pod's volumes (after its containers are gone). */
  async tearDown(uid: string): Promise<number> {
    for (const k of [...this.written.keys()]) if (k.startsWith(`kubelab-${uid}-`)) this.written.delete(k);
    this.o.tokens?.forget(uid);
    await this.o.local?.remove(uid);
    return this.o.runtime.removeVolumes({ [LABELS.cluster]: this.o.cluster, [LABELS.podUid]: uid });
  }
}
