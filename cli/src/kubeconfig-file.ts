/** Where kubeconfigs live, and writing them safely (temp file + rename, mode 0600). */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

/** The file kubectl writes to: the first entry of $KUBECONFIG, else ~/.kube/config. */
export function userKubeconfigPath(env: Record<string, string | undefined> = process.env): string {
  const first = (env.KUBECONFIG ?? '').split(delimiter).find((p) => p.trim() !== '');
  return first ?? join(homedir(), '.kube', 'config');
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
