/** Where kubeconfigs live, and writing them safely (temp file + rename, mode 0600). */
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

/**
 * The file kubectl writes new entries to (client-go's PathOptions.GetDefaultFilename): with one
 * $KUBECONFIG entry that one; with several the first that exists, else the last; without
 * $KUBECONFIG ~/.kube/config.
 */
export function userKubeconfigPath(
  env: Record<string, string | undefined> = process.env,
  exists: (p: string) => boolean = existsSync,
): string {
  const files = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p.trim() !== '');
  if (files.length === 0) return join(homedir(), '.kube', 'config');
  if (files.length === 1) return files[0]!;
  return files.find((f) => exists(f)) ?? files[files.length - 1]!;
}

/**
 * Runs `f` holding `<path>.lock` (created exclusively, as client-go's lockFile does), so that two
 * writers (kubectl, another `up`) do not lose each other's entries.
 */
export async function withFileLock<T>(path: string, f: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const lock = `${path}.lock`;
  await mkdir(dirname(path), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await (await open(lock, 'wx')).close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (Date.now() > deadline)
        throw new Error(
          `${lock} is held by another writer for more than ${timeoutMs / 1000}s: if no kubectl or kubelab is running, remove it`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await f();
  } finally {
    await rm(lock, { force: true });
  }
}

/** The lab's own kubeconfig: .kubelab/kubeconfig for the default project, else .kubelab/<project>/kubeconfig. */
export function labKubeconfigPath(root: string, project: string): string {
  return project === 'kubelab' ? join(root, '.kubelab', 'kubeconfig') : join(root, '.kubelab', project, 'kubeconfig');
}

/** The lab's PKI (CA, apiserver certificate, admin token), beside its kubeconfig: .kubelab/pki or .kubelab/<project>/pki. */
export function labPkiDir(root: string, project: string): string {
  return project === 'kubelab' ? join(root, '.kubelab', 'pki') : join(root, '.kubelab', project, 'pki');
}

export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function writePrivate(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, path);
}
