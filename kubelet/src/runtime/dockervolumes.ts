/**
 * Pod volumes on Docker for the DockerRuntime: named volumes (tmpfs-backed when in memory), their
 * content written and their subPaths checked through a never-started helper container that
 * mounts the volume, and the host directory a subPath is bound from.
 */
import type { IncomingMessage } from 'node:http';
import type Dockerode from 'dockerode';
import { resolveInVolume } from '../volumes/subpath.js';
import type { DockerCall } from './dockerimages.js';
import { LABELS, RuntimeError, type VolumeOptions } from './runtime.js';

export interface DockerVolumesOptions {
  docker: Dockerode;
  call: DockerCall;
  /** The runtime's container create and remove (they keep its caches right). */
  create(opts: Dockerode.ContainerCreateOptions): Promise<string>;
  remove(id: string): Promise<void>;
  cluster: string;
  pauseImage: string;
  pauseCommand: string[];
}

/** Where helper containers mount the volume they work on. */
const VOLUME_ROOT = '/kubelab-volume';

/** The engine's X-Docker-Container-Path-Stat header: base64 of { name, size, mode, mtime, linkTarget }. */
function parsePathStat(header: string | string[] | undefined): { linkTarget?: string } {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) throw new RuntimeError('docker stat: the engine sent no X-Docker-Container-Path-Stat header');
  return JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as { linkTarget?: string };
}

export class DockerVolumes {
  /** Host directories of named volumes (they do not move while the volume exists). */
  private readonly dirs = new Map<string, string>();

  constructor(private readonly o: DockerVolumesOptions) {}

  async ensure(name: string, labels: Record<string, string>, opts: VolumeOptions = {}): Promise<void> {
    const driver = opts.tmpfs
      ? {
          Driver: 'local',
          DriverOpts: {
            type: 'tmpfs',
            device: 'tmpfs',
            ...(opts.tmpfs.sizeBytes ? { o: `size=${Math.ceil(opts.tmpfs.sizeBytes)}` } : {}),
          },
        }
      : {};
    await this.o.call(`create volume ${name}`, (abortSignal) =>
      this.o.docker.createVolume({
        Name: name,
        Labels: labels,
        ...driver,
        abortSignal,
      } as Dockerode.VolumeCreateOptions),
    );
  }

  /** Runs fn with a never-started helper container that mounts the volume at VOLUME_ROOT; only the cluster label, so housekeeping leaves it alone. */
  private async withHelper<T>(name: string, fn: (helper: Dockerode.Container) => Promise<T>): Promise<T> {
    const helper = await this.o.create({
      name: `kubelab_volume_helper_${name}_${Date.now().toString(36)}`,
      Image: this.o.pauseImage,
      Entrypoint: [...this.o.pauseCommand],
      Labels: { [LABELS.cluster]: this.o.cluster },
      HostConfig: { Mounts: [{ Type: 'volume', Source: name, Target: VOLUME_ROOT }] },
    });
    try {
      return await fn(this.o.docker.getContainer(helper));
    } finally {
      await this.o.remove(helper);
    }
  }

  /** Extracts a tar archive into the root of the volume. */
  write(name: string, archive: Buffer): Promise<void> {
    return this.withHelper(name, async (helper) => {
      await this.o.call(`write volume ${name}`, (abortSignal) =>
        helper.putArchive(archive, { path: VOLUME_ROOT, abortSignal }),
      );
    });
  }

  /** resolveInVolume with the engine's stat of a path in a container: an lstat, a link's target fully resolved in the container's view. */
  resolveSubPath(name: string, subPath: string): Promise<string> {
    if (subPath === '') return Promise.resolve('');
    return this.withHelper(name, (helper) =>
      resolveInVolume(subPath, async (rel) => {
        let res: IncomingMessage;
        try {
          res = (await this.o.call(`stat ${name}/${rel}`, (abortSignal) =>
            helper.infoArchive({ path: `${VOLUME_ROOT}/${rel}`, abortSignal }),
          )) as IncomingMessage;
        } catch (err) {
          if (err instanceof RuntimeError && err.status === 404) return undefined;
          throw err;
        }
        res.resume();
        const target = parsePathStat(res.headers['x-docker-container-path-stat']).linkTarget;
        if (!target) return {};
        if (target === VOLUME_ROOT) return { link: '' };
        return { link: target.startsWith(`${VOLUME_ROOT}/`) ? target.slice(VOLUME_ROOT.length + 1) : null };
      }),
    );
  }

  /** The volume's directory on the engine's host (its Mountpoint). */
  async dir(name: string): Promise<string> {
    const hit = this.dirs.get(name);
    if (hit) return hit;
    const v = this.o.docker.getVolume(name);
    const inspect = v.inspect as (o: object) => Promise<{ Mountpoint?: string }>;
    const info = await this.o.call(`inspect volume ${name}`, (abortSignal) => inspect.call(v, { abortSignal }));
    if (!info.Mountpoint)
      throw new RuntimeError(`docker volume inspect ${name}: no Mountpoint (a volume driver without a host directory)`);
    if (this.dirs.size > 5000) this.dirs.clear();
    this.dirs.set(name, info.Mountpoint);
    return info.Mountpoint;
  }

  /** Removes every volume whose labels include all of `labels`; returns how many went. */
  async removeAll(labels: Record<string, string>): Promise<number> {
    const filters = { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
    const res = await this.o.call('list volumes', (abortSignal) =>
      (this.o.docker.listVolumes as (o: object) => Promise<{ Volumes?: { Name: string }[] }>).call(this.o.docker, {
        filters,
        abortSignal,
      }),
    );
    let n = 0;
    for (const v of res.Volumes ?? []) {
      try {
        const vol = this.o.docker.getVolume(v.Name);
        await this.o.call(`remove volume ${v.Name}`, (abortSignal) =>
          (vol.remove as (o: object) => Promise<unknown>).call(vol, { abortSignal }),
        );
        n++;
      } catch (err) {
        if (err instanceof RuntimeError && err.status === 404) continue;
        throw err;
      }
    }
    return n;
  }
}
