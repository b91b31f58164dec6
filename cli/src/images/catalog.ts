/** The lab's images, in build order (an image's bases come before it), for each image source. */
import { join } from 'node:path';
import { appPlan, modulesPlan } from './app-plan.js';
import type { PlanEntry } from './plan.js';
import { busyboxRootfs, etcdRootfs, nodeRootfs, netfilterTools } from './rootfs.js';
import { ETCD_IMAGE, type ImageSource } from './source.js';

export interface ImageContext {
  entries: PlanEntry[];
  warnings: string[];
}

export interface ImageSpec {
  name: string;
  /** More tags for the same image. */
  aliases: string[];
  /** Tags set only while no other image holds them (e.g. busybox:latest, for `--image=busybox`). */
  freeAliases: string[];
  /** Folder under images/ holding the Dockerfile. */
  dir: string;
  dockerfile: string;
  /** The build context besides the Dockerfile. */
  context: () => Promise<ImageContext>;
  /** Base images the Dockerfile names, replaced before the build (name in the file → image to use). */
  bases?: Record<string, string>;
}

const plain = (f: () => Promise<PlanEntry[]>) => async (): Promise<ImageContext> => ({
  entries: await f(),
  warnings: [],
});
const none = plain(async () => []);

function echoContext(root: string): () => Promise<ImageContext> {
  const dir = join(root, 'images', 'echo');
  return plain(async () => [
    { kind: 'file', dest: 'server.js', src: join(dir, 'server.js'), mode: 0o644 },
    { kind: 'file', dest: 'package.json', src: join(dir, 'package.json'), mode: 0o644 },
    // In a folder: docker build follows a symlink named as a COPY source, not the ones inside.
    { kind: 'symlink', dest: 'tools/wget', target: '/bin/busybox' },
  ]);
}

/** Applets the components call (kube-proxy runs /bin/ip), for images without busybox's links. */
const busyboxTools = (): PlanEntry[] =>
  ['ip', 'wget', 'nc'].map((a) => ({ kind: 'symlink', dest: `tools/${a}`, target: '/bin/busybox' }));

function appContext(root: string): () => Promise<ImageContext> {
  return async () => {
    const plan = await appPlan(root, 'app');
    return {
      entries: plan.entries,
      warnings: plan.unbuilt.map((ws) => `${ws}/dist is missing (run npx tsc -b): its command will fail in the image`),
    };
  };
}

/** `tag`: of the images built from this checkout's code (KUBELAB_IMAGE_TAG, see source.ts). */
export function catalog(root: string, source: ImageSource, tag = 'dev'): ImageSpec[] {
  const spec = (
    name: string,
    dir: string,
    context: ImageSpec['context'],
    more: Partial<ImageSpec> = {},
  ): ImageSpec => ({
    name,
    dir,
    context,
    aliases: [],
    freeAliases: [],
    dockerfile: source === 'upstream' ? 'Dockerfile.upstream' : 'Dockerfile',
    ...more,
  });
  const busybox = spec(
    'kubelab/busybox:latest',
    'busybox',
    source === 'offline' ? plain(() => busyboxRootfs('rootfs')) : none,
    {
      freeAliases: ['busybox:latest'],
    },
  );
  const depsImage = `kubelab/kubelab-deps:${tag}`;
  const deps = spec(
    depsImage,
    'kubelab-deps',
    plain(async () => [
      ...(await modulesPlan(root, 'app')),
      ...(source === 'upstream' ? busyboxTools() : await netfilterTools('netfilter')),
    ]),
  );
  // The same Dockerfile for both sources: it builds on kubelab-deps.
  const kubelab = spec(`kubelab/kubelab:${tag}`, 'kubelab', appContext(root), {
    dockerfile: 'Dockerfile',
    bases: { 'kubelab/kubelab-deps:dev': depsImage },
  });
  const etcd = spec(ETCD_IMAGE[source], 'etcd', source === 'offline' ? plain(() => etcdRootfs('rootfs')) : none);
  // Also tagged with the checkout's tag (not dev), so that tests of one checkout run its own echo.
  const echo = spec('kubelab/echo:latest', 'echo', echoContext(root), {
    aliases: ['kubelab/echo:1', ...(tag === 'dev' ? [] : [`kubelab/echo:${tag}`])],
  });
  if (source === 'upstream') return [busybox, etcd, deps, kubelab, echo];
  const nodeBase = spec(
    'kubelab/node-base:dev',
    'node-base',
    plain(() => nodeRootfs('rootfs')),
  );
  return [busybox, nodeBase, etcd, deps, kubelab, echo];
}
