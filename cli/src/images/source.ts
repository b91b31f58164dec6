/**
 * Where the images come from: built offline from host files (no registry needed), or on top of
 * upstream images where a registry answers. KUBELAB_OFFLINE_IMAGES=1/0 decides; otherwise an
 * earlier build's choice (label on the kubelab image) is kept; otherwise a pull is tried.
 */
import type { LabDocker } from '../docker.js';
import type { Log } from '../output.js';

export type ImageSource = 'offline' | 'upstream';

export const KUBELAB_IMAGE = 'kubelab/kubelab:dev';

/**
 * The tag of the images built from this checkout (kubelab/kubelab, kubelab/kubelab-deps):
 * KUBELAB_IMAGE_TAG [dev]. Two checkouts on one engine keep their own images with different tags.
 */
export function imageTag(env: Record<string, string | undefined>): string {
  const tag = env.KUBELAB_IMAGE_TAG?.trim() || 'dev';
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag))
    throw new Error(
      `KUBELAB_IMAGE_TAG: Invalid value: "${tag}": must be a Docker tag (letters, digits, '_', '.', '-')`,
    );
  return tag;
}

/** The kubelab image for this environment: KUBELAB_IMAGE, else kubelab/kubelab:<KUBELAB_IMAGE_TAG>. */
export function kubelabImage(env: Record<string, string | undefined>): string {
  return env.KUBELAB_IMAGE || `kubelab/kubelab:${imageTag(env)}`;
}
export const UPSTREAM_PROBE_IMAGE = 'node:20-bookworm-slim';
export const SOURCE_LABEL = 'io.kubelab.source';

export const ETCD_IMAGE: Record<ImageSource, string> = { offline: 'kubelab/etcd:3.4', upstream: 'kubelab/etcd:3.5' };

export function forcedSource(env: Record<string, string | undefined>): ImageSource | undefined {
  const v = env.KUBELAB_OFFLINE_IMAGES?.trim();
  if (v === '1' || v === 'true') return 'offline';
  if (v === '0' || v === 'false') return 'upstream';
  return undefined;
}

/** The choice made by an earlier build, if any (no network). */
export async function knownSource(
  env: Record<string, string | undefined>,
  docker: LabDocker,
): Promise<ImageSource | undefined> {
  const forced = forcedSource(env);
  if (forced) return forced;
  const label = (await docker.image(kubelabImage(env)))?.labels[SOURCE_LABEL];
  return label === 'offline' || label === 'upstream' ? label : undefined;
}

export async function chooseSource(
  env: Record<string, string | undefined>,
  docker: LabDocker,
  pull: (image: string, timeoutMs: number) => Promise<boolean>,
  log: Log,
): Promise<ImageSource> {
  const known = await knownSource(env, docker);
  if (known) return known;
  log(`checking for a container registry (docker pull ${UPSTREAM_PROBE_IMAGE}, 20 s at most)…`);
  if (await pull(UPSTREAM_PROBE_IMAGE, 20_000)) {
    log('registry reachable: building on upstream images (KUBELAB_OFFLINE_IMAGES=1 builds offline ones)');
    return 'upstream';
  }
  log('no registry: building offline images from host files (node, busybox-static, etcd-server)');
  return 'offline';
}

/** Image variables for compose, where the environment does not set them already. */
export function imageEnv(source: ImageSource, env: Record<string, string | undefined>): Record<string, string> {
  return {
    KUBELAB_IMAGE: kubelabImage(env),
    KUBELAB_ETCD_IMAGE: env.KUBELAB_ETCD_IMAGE || ETCD_IMAGE[source],
  };
}
