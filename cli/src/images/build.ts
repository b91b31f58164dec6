/**
 * Builds the lab's images, each only when its inputs changed: the hash of its build context, its
 * Dockerfile and the ids of its base images is stored as a label and compared before building.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabDocker } from '../docker.js';
import { since, type Log } from '../output.js';
import type { ImageBuilder } from './builder.js';
import { catalog, type ImageSpec } from './catalog.js';
import { DigestCache } from './digest-cache.js';
import { dockerfileBases } from './dockerfile.js';
import { digestPlan, stagePlan, type PlanEntry } from './plan.js';
import { SOURCE_LABEL, type ImageSource } from './source.js';

export const IMAGE_LABEL = 'io.kubelab.image';
export const INPUTS_LABEL = 'io.kubelab.inputs';
/** Bump when the way contexts are assembled changes, to rebuild everything once. */
const FORMAT = 'kubelab-images/1';

export interface BuildImagesOptions {
  root: string;
  source: ImageSource;
  docker: LabDocker;
  builder: ImageBuilder;
  log: Log;
  /** Rebuild even when up to date. */
  force?: boolean;
  /** Build only these images (primary names), with their bases where missing. */
  only?: string[];
  /** Overrides the catalog (tests). */
  specs?: ImageSpec[];
  /** Tag of the images built from this checkout's code (default dev). */
  tag?: string;
}

export interface BuiltImage {
  name: string;
  id: string;
  built: boolean;
}

async function baseIds(bases: string[], o: BuildImagesOptions): Promise<string[]> {
  const out: string[] = [];
  for (const base of bases) {
    let img = await o.docker.image(base);
    if (!img && !base.startsWith('kubelab/')) {
      o.log(`  pulling ${base}…`);
      if (!(await o.builder.pull(base, 10 * 60_000)))
        throw new Error(
          `cannot pull ${base}: no registry reachable? KUBELAB_OFFLINE_IMAGES=1 builds offline images instead`,
        );
      img = await o.docker.image(base);
    }
    if (!img) throw new Error(`base image ${base} is missing`);
    out.push(`base ${base} ${img.id}`);
  }
  return out;
}

async function applyTags(spec: ImageSpec, id: string, o: BuildImagesOptions): Promise<void> {
  for (const alias of spec.aliases) {
    if ((await o.docker.image(alias))?.id !== id) await o.docker.tagImage(id, alias);
  }
  for (const alias of spec.freeAliases) {
    const current = await o.docker.image(alias);
    if (!current || (current.labels[IMAGE_LABEL] === '1' && current.id !== id)) await o.docker.tagImage(id, alias);
  }
}

async function buildOne(spec: ImageSpec, o: BuildImagesOptions, cache: DigestCache): Promise<BuiltImage> {
  const t0 = Date.now();
  const dockerfilePath = join(o.root, 'images', spec.dir, spec.dockerfile);
  let dockerfile = await readFile(dockerfilePath, 'utf8');
  for (const [from, to] of Object.entries(spec.bases ?? {})) dockerfile = dockerfile.replaceAll(from, to);
  const ctx = await spec.context();
  for (const w of ctx.warnings) o.log(`  warning: ${w}`);
  const extra = [
    FORMAT,
    `source ${o.source}`,
    `dockerfile ${createHash('sha256').update(dockerfile).digest('hex')}`,
    ...(await baseIds(dockerfileBases(dockerfile), o)),
  ];
  const digests = await digestPlan(ctx.entries, cache.digest);
  const hash = createHash('sha256')
    .update([...extra, ...digests.values()].join('\n'))
    .digest('hex');
  const existing = await o.docker.image(spec.name);
  if (existing && existing.labels[INPUTS_LABEL] === hash && !o.force) {
    await applyTags(spec, existing.id, o);
    o.log(`image ${spec.name} is up to date`);
    return { name: spec.name, id: existing.id, built: false };
  }
  o.log(`building image ${spec.name}…`);
  const contextDir = join(o.root, 'images', 'build', spec.dir);
  const entries: PlanEntry[] = [...ctx.entries, { kind: 'data', dest: spec.dockerfile, data: dockerfile, mode: 0o644 }];
  await stagePlan(contextDir, entries, digests);
  await o.builder.build(contextDir, spec.dockerfile, spec.name, {
    [IMAGE_LABEL]: '1',
    [INPUTS_LABEL]: hash,
    [SOURCE_LABEL]: o.source,
  });
  const built = await o.docker.image(spec.name);
  if (!built) throw new Error(`docker build reported success but ${spec.name} is missing`);
  await applyTags(spec, built.id, o);
  o.log(`built image ${spec.name} in ${since(t0)}`);
  return { name: spec.name, id: built.id, built: true };
}

export async function buildImages(o: BuildImagesOptions): Promise<BuiltImage[]> {
  const specs = o.specs ?? catalog(o.root, o.source, o.tag);
  const out: BuiltImage[] = [];
  const cache = await DigestCache.load(join(o.root, 'images', 'build', '.digests.json'));
  for (const spec of specs) {
    if (o.only && !o.only.includes(spec.name) && (await o.docker.image(spec.name))) continue;
    out.push(await buildOne(spec, o, cache));
  }
  await cache.save();
  // Earlier builds left untagged; Docker keeps the ones a container still uses.
  if (out.some((i) => i.built)) await o.docker.pruneDanglingImages(`${IMAGE_LABEL}=1`);
  return out;
}
