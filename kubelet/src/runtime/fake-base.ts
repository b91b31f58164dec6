/**
 * What every call of the fake runtime goes through (recorded; fails when the engine is down or a
 * test queued a failure for it), and the fake's volumes. FakeRuntime (fake.ts) builds on it.
 */
import { resolveInVolume, type VolumePathStat } from '../volumes/subpath.js';
import { RuntimeError, type VolumeOptions } from './runtime.js';

export class FakeRuntimeBase {
  /** Every call, by name, in order. */
  readonly calls: string[] = [];
  /** Makes the next call of that name throw. */
  readonly failNext = new Map<string, Error>();
  /** The engine does not answer: every call fails as a closed Docker socket does. */
  down = false;
  /** Volumes by name: labels and every archive written into them. */
  readonly volumes = new Map<string, { labels: Record<string, string>; writes: Buffer[]; opts: VolumeOptions }>();
  /** What lstat finds at paths inside volumes, by volume name then path (absent: does not exist). */
  readonly volumePaths = new Map<string, Map<string, VolumePathStat>>();

  protected enter(name: string): void {
    this.calls.push(name);
    if (this.down) throw new RuntimeError(`docker ${name}: connect ENOENT /var/run/docker.sock`);
    const err = this.failNext.get(name);
    if (err) {
      this.failNext.delete(name);
      throw err;
    }
  }

  /** Calls of one kind, e.g. count('create'). */
  count(name: string): number {
    return this.calls.filter((c) => c === name).length;
  }

  ensureVolume(name: string, labels: Record<string, string>, opts: VolumeOptions = {}): Promise<void> {
    this.enter('ensureVolume');
    if (!this.volumes.has(name)) this.volumes.set(name, { labels: { ...labels }, writes: [], opts });
    return Promise.resolve();
  }

  writeVolume(name: string, archive: Buffer): Promise<void> {
    this.enter('writeVolume');
    const v = this.volumes.get(name);
    if (!v) return Promise.reject(new RuntimeError(`docker create: volume ${name} not found`, 404));
    v.writes.push(archive);
    return Promise.resolve();
  }

  /** Docker's layout of its local volume driver under the default data root. */
  volumeDir(name: string): Promise<string> {
    this.enter('volumeDir');
    if (!this.volumes.has(name))
      return Promise.reject(new RuntimeError(`docker volume inspect: no such volume: ${name}`, 404));
    return Promise.resolve(`/var/lib/docker/volumes/${name}/_data`);
  }

  resolveSubPath(name: string, subPath: string): Promise<string> {
    this.enter('resolveSubPath');
    if (!this.volumes.has(name))
      return Promise.reject(new RuntimeError(`docker create: volume ${name} not found`, 404));
    return resolveInVolume(subPath, (rel) => Promise.resolve(this.volumePaths.get(name)?.get(rel)));
  }

  removeVolumes(labels: Record<string, string>): Promise<number> {
    this.enter('removeVolumes');
    let n = 0;
    for (const [name, v] of [...this.volumes]) {
      if (Object.entries(labels).every(([k, val]) => v.labels[k] === val)) {
        this.volumes.delete(name);
        n++;
      }
    }
    return Promise.resolve(n);
  }
}
