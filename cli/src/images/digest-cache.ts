/**
 * File digests kept between runs, as git's index keeps them: a file whose size, mtime, ctime and
 * inode are those of its last hashing is not read again (the images' contexts are ~5,000 files and
 * the node binary: hashing them all cost ~0.8 s of every `up`). Any write to a file changes its
 * ctime, which no tool can set back, so a changed file is always hashed again.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export type FileDigest = (path: string) => Promise<string>;

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

export class DigestCache {
  private readonly seen = new Map<string, [string, string]>(); // path → [stat key, digest] used this run

  private constructor(
    private readonly file: string,
    private readonly kept: Map<string, [string, string]>,
  ) {}

  /** The cache kept in `file` (empty when it is missing or unreadable). */
  static async load(file: string): Promise<DigestCache> {
    let kept = new Map<string, [string, string]>();
    try {
      kept = new Map(Object.entries(JSON.parse(await readFile(file, 'utf8')) as Record<string, [string, string]>));
    } catch {
      // none yet, or damaged: everything is hashed again
    }
    return new DigestCache(file, kept);
  }

  readonly digest: FileDigest = async (path) => {
    const s = await stat(path, { bigint: true });
    const key = `${s.size} ${s.mtimeNs} ${s.ctimeNs} ${s.ino}`;
    const old = this.kept.get(path);
    const digest = old && old[0] === key ? old[1] : await sha256File(path);
    this.seen.set(path, [key, digest]);
    return digest;
  };

  /** Keeps the digests used by this run (files no longer in any context are dropped). */
  async save(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`; // two `up`s of one checkout at once each write their own
    await writeFile(tmp, JSON.stringify(Object.fromEntries(this.seen)));
    await rename(tmp, this.file);
  }
}
