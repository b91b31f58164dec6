/**
 * Content volumes in the kubelet's own directory (as upstream's /var/lib/kubelet/pods/<uid>/volumes):
 * the kubelet writes the files itself, with plain file-system calls, into a directory it shares with
 * the engine's host (its own Docker volume, whose host path it learns from its container), and
 * containers bind-mount `<host path>/<uid>/volumes/<name>`. No Docker volume or helper container
 * per write: what keeps the kube-api-access volume every pod has off the pod start-up path.
 * The layout is the atomic writer's (content.ts): a version directory, `..data` swapped by rename.
 */
import { mkdir, readdir, rename, rm, symlink, writeFile, lstat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { TarEntry } from './tar.js';

export interface LocalDir {
  /** The directory as the kubelet sees it. */
  path: string;
  /** The same directory on the engine's host (what a bind mount names). */
  hostPath: string;
}

const exists = (p: string): Promise<boolean> =>
  lstat(p).then(
    () => true,
    () => false,
  );

export class LocalContent {
  constructor(readonly dir: LocalDir) {}

  private root(uid: string, name: string): string {
    return join(this.dir.path, uid, 'volumes', name);
  }

  hostPathOf(uid: string, name: string): string {
    return posix.join(this.dir.hostPath, uid, 'volumes', name);
  }

  /** Writes one version (atomicLayout's entries) and makes it current; older versions go. */
  async write(uid: string, name: string, entries: readonly TarEntry[]): Promise<void> {
    const root = this.root(uid, name);
    await mkdir(root, { recursive: true, mode: 0o755 });
    let current = '';
    for (const e of entries) {
      const p = join(root, e.path);
      if (e.type === 'dir') await mkdir(p, { recursive: true, mode: e.mode ?? 0o755 });
      else if (e.type === 'file') await writeFile(p, e.content ?? Buffer.alloc(0), { mode: e.mode ?? 0o644 });
      else if (e.path === '..data') {
        current = e.target ?? '';
        const tmp = join(root, '..data_tmp');
        await rm(tmp, { force: true });
        await symlink(current, tmp);
        await rename(tmp, p);
      } else if (!(await exists(p))) await symlink(e.target ?? '', p);
    }
    for (const n of await readdir(root)) {
      if (n.startsWith('..') && n !== '..data' && n !== current)
        await rm(join(root, n), { recursive: true, force: true });
    }
  }

  /** Removes every volume of the pod. */
  async remove(uid: string): Promise<void> {
    await rm(join(this.dir.path, uid), { recursive: true, force: true });
  }

  /** Removes the directories of pods not in `keep` (left by a kubelet stopped mid-way). */
  async removeOthers(keep: ReadonlySet<string>): Promise<number> {
    const uids = await readdir(this.dir.path).catch(() => [] as string[]);
    const gone = uids.filter((u) => !keep.has(u));
    for (const u of gone) await this.remove(u);
    return gone.length;
  }
}
