/**
 * Where a named volume's files live on the container engine's host. A subPath of a volume is
 * mounted as a bind of that directory's part (Docker 20.10 cannot mount a part of a named
 * volume), so the kubelet needs the host path, although it never touches it itself: the engine
 * resolves bind sources on its own host.
 */
import type Dockerode from 'dockerode';
import { withTimeout } from '../runtime/limiter.js';

export interface VolumeHostDirs {
  /** The host directory holding the named volume's files. */
  hostDir(volume: string): Promise<string>;
}

export const DEFAULT_DOCKER_ROOT = '/var/lib/docker';

/** Docker's layout of the local volume driver, `<root>/volumes/<name>/_data`; no I/O. */
export class DockerLayoutHostDirs implements VolumeHostDirs {
  constructor(readonly root = DEFAULT_DOCKER_ROOT) {}

  hostDir(volume: string): Promise<string> {
    return Promise.resolve(`${this.root.replace(/\/+$/, '')}/volumes/${volume}/_data`);
  }
}

/** Asks the engine (volume inspect → Mountpoint), once per volume; for engines with another root dir. */
export class DockerInspectHostDirs implements VolumeHostDirs {
  private readonly known = new Map<string, string>();

  constructor(
    private readonly docker: Dockerode,
    private readonly timeoutMs = 30_000,
  ) {}

  async hostDir(volume: string): Promise<string> {
    const hit = this.known.get(volume);
    if (hit) return hit;
    const v = this.docker.getVolume(volume);
    const inspect = v.inspect as (o: object) => Promise<{ Mountpoint?: string }>;
    const info = await withTimeout(`docker inspect volume ${volume}`, this.timeoutMs, (abortSignal) => inspect.call(v, { abortSignal }));
    if (!info.Mountpoint) throw new Error(`docker inspect volume ${volume}: no Mountpoint (driver without a host directory)`);
    if (this.known.size > 5000) this.known.clear();
    this.known.set(volume, info.Mountpoint);
    return info.Mountpoint;
  }
}
