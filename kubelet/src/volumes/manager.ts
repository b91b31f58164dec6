/**
 * Pod volumes on Docker: emptyDir (medium Memory: a tmpfs-backed volume) and content volumes (configMap, secret, downwardAPI,
 * projected) are Docker named volumes labelled with the cluster, node and pod uid, removed with
 * the pod; content volumes are (re)written whenever their files change, so updates reach running
 * pods; hostPath is a bind mount of the host's path.
 */
import type { Logger } from 'pino';
import type { Container, Pod } from '@kubelab/api';
import type { EnvObjects } from '../env/objects.js';
import type { EnvContext } from '../env/resolve.js';
import { parseQuantity } from '../quantity.js';
import { LABELS, type ContainerRuntime, type Mount, type VolumeOptions } from '../runtime/runtime.js';
import { atomicLayout, filesHash, volumeFiles, VolumeSetupError } from './content.js';
import { tar } from './tar.js';

export const VOLUME_LABEL = 'io.kubelab.volume';

export interface VolumeSource {
  type: 'volume' | 'bind';
  source: string;
  /** configMap/secret/downwardAPI/projected are always mounted read-only. */
  readOnly: boolean;
}

export interface VolumeManagerOptions {
  runtime: ContainerRuntime;
  cluster: string;
  node: string;
  log: Logger;
  objects?: EnvObjects;
  /** Version names of rewritten content (default: a timestamp). */
  version?: () => string;
}

export { VolumeSetupError };

/** Docker volume name of a pod volume. */
export function dockerVolumeName(uid: string, volume: string): string {
  return `kubelab-${uid}-${volume}`;
}

type Obj = Record<string, unknown>;

export class VolumeManager {
  /** Last written content hash per docker volume name. */
  private readonly written = new Map<string, string>();
  private seq = 0;

  constructor(private readonly o: VolumeManagerOptions) {}

  /** Makes every volume of the pod exist with current content; returns the sources by volume name. */
  async setUp(pod: Pod, ctx: Omit<EnvContext, 'objects'>): Promise<Map<string, VolumeSource>> {
    const uid = pod.metadata.uid ?? '';
    const out = new Map<string, VolumeSource>();
    for (const raw of (pod.spec['volumes'] as unknown[] | undefined) ?? []) {
      const vol = raw as Obj;
      const name = String(vol['name'] ?? '');
      const hostPath = vol['hostPath'] as Obj | undefined;
      if (hostPath) {
        out.set(name, { type: 'bind', source: String(hostPath['path'] ?? ''), readOnly: false });
        continue;
      }
      const files = await volumeFiles(vol, pod, this.o.objects, { ...ctx, ...(this.o.objects ? { objects: this.o.objects } : {}) }).catch((err: unknown) => {
        throw new VolumeSetupError(`MountVolume.SetUp failed for volume "${name}" : ${err instanceof Error ? err.message : String(err)}`);
      });
      const dv = dockerVolumeName(uid, name);
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
      await this.o.runtime.ensureVolume(dv, {
        [LABELS.cluster]: this.o.cluster,
        [LABELS.node]: this.o.node,
        [LABELS.podUid]: uid,
        [LABELS.podNamespace]: pod.metadata.namespace ?? 'default',
        [LABELS.podName]: pod.metadata.name ?? '',
        [VOLUME_LABEL]: name,
      }, opts);
      if (files) {
        const hash = filesHash(files);
        if (this.written.get(dv) !== hash) {
          const version = this.o.version?.() ?? `${new Date().toISOString().replace(/[-:.]/g, '')}_${++this.seq}`;
          await this.o.runtime.writeVolume(dv, tar(atomicLayout(files, version)));
          this.written.set(dv, hash);
        }
      }
      out.set(name, { type: 'volume', source: dv, readOnly: files !== undefined });
    }
    return out;
  }

  /** The container's volumeMounts as runtime mounts. */
  mounts(c: Container, sources: ReadonlyMap<string, VolumeSource>): Mount[] {
    const out: Mount[] = [];
    for (const raw of (c['volumeMounts'] as unknown[] | undefined) ?? []) {
      const m = raw as Obj;
      const name = String(m['name'] ?? '');
      const src = sources.get(name);
      if (!src) throw new VolumeSetupError(`volume "${name}" not found in the pod's volumes`);
      const subPath = typeof m['subPath'] === 'string' ? m['subPath'] : '';
      if (subPath && src.type !== 'bind') throw new VolumeSetupError(`subPath is not supported for volume "${name}" on this runtime`);
      out.push({
        type: src.type,
        source: subPath ? `${src.source.replace(/\/$/, '')}/${subPath}` : src.source,
        target: String(m['mountPath'] ?? ''),
        readOnly: src.readOnly || m['readOnly'] === true,
      });
    }
    return out;
  }

  /** Removes the pod's volumes (after its containers are gone). */
  async tearDown(uid: string): Promise<number> {
    for (const k of [...this.written.keys()]) if (k.startsWith(`kubelab-${uid}-`)) this.written.delete(k);
    return this.o.runtime.removeVolumes({ [LABELS.cluster]: this.o.cluster, [LABELS.podUid]: uid });
  }
}
