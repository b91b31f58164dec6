/**
 * A StatefulSet's ControllerRevisions, as upstream keeps them: each holds the set's template as a
 * strategic merge patch (`{"spec":{"template":{…,"$patch":"replace"}}}`, which `kubectl rollout
 * undo` applies), is named `<set>-<hash>` with the hash in `controller.kubernetes.io/hash`
 * (collisionCount makes a clash a new name), carries the template's labels and the set's
 * annotations, and is numbered in `revision`. Going back to an older template bumps that
 * revision's number instead of making a new one. Old revisions beyond revisionHistoryLimit that
 * no pod uses are deleted.
 */
import { canonical, type ControllerRevision, type StatefulSet } from '@kubelab/api';
import type { ApiLike } from '../api.js';
import { isAlreadyExists, isNotFound, newControllerRef } from '../util/objects.js';

export const HASH_LABEL = 'controller.kubernetes.io/hash';
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** The revision data of a set: its template as a replacing strategic merge patch. */
export function revisionData(sts: StatefulSet): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(sts.spec.template), $patch: 'replace' } } };
}

/** The set with the template of a revision (the patch applied). */
export function applyRevision(sts: StatefulSet, rev: ControllerRevision): StatefulSet {
  const template = structuredClone(
    ((rev.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template ?? {}) as Record<
      string,
      unknown
    >,
  );
  delete template['$patch'];
  return { ...sts, spec: { ...sts.spec, template: template as unknown as StatefulSet['spec']['template'] } };
}

const dataKey = (data: unknown): string => JSON.stringify(canonical(data));

/** fnv32 (not 32a, as upstream's HashControllerRevision) of the data and the collision count, safe-encoded. */
export function revisionHash(data: unknown, collisionCount: number): string {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(dataKey(data) + (collisionCount ? String(collisionCount) : ''), 'utf8');
  for (const b of bytes) h = (Math.imul(h, 0x01000193) ^ b) >>> 0;
  return [...String(h >>> 0)].map((d) => SAFE[d.charCodeAt(0) % SAFE.length]).join('');
}

export function sameData(a: ControllerRevision, b: ControllerRevision): boolean {
  return dataKey(a.data) === dataKey(b.data);
}

export function newRevision(sts: StatefulSet, number: number, collisionCount: number): ControllerRevision {
  const data = revisionData(sts);
  const hash = revisionHash(data, collisionCount);
  const name = `${sts.metadata.name ?? ''}-${hash}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: sts.metadata.namespace ?? 'default',
      labels: { ...(sts.spec.template.metadata?.labels ?? {}), [HASH_LABEL]: hash },
      ...(sts.metadata.annotations && Object.keys(sts.metadata.annotations).length
        ? { annotations: { ...sts.metadata.annotations } }
        : {}),
      ownerReferences: [newControllerRef(sts, 'apps/v1', 'StatefulSet')],
    },
    data,
    revision: number,
  };
}

export interface Revisions {
  current: ControllerRevision;
  update: ControllerRevision;
  collisionCount: number;
}

const byNumber = (a: ControllerRevision, b: ControllerRevision): number =>
  a.revision - b.revision || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

/** Upstream's getStatefulSetRevisions: the update revision for the set's template (made or reused) and the current one. */
export async function resolveRevisions(
  api: ApiLike,
  sts: StatefulSet,
  owned: ControllerRevision[],
): Promise<Revisions> {
  const revisions = [...owned].sort(byNumber);
  let collisionCount = sts.status?.collisionCount ?? 0;
  const next = (revisions.at(-1)?.revision ?? 0) + 1;
  const want = newRevision(sts, next, collisionCount);
  const equal = revisions.filter((r) => sameData(r, want));
  let update: ControllerRevision;
  if (equal.length > 0 && equal.at(-1) === revisions.at(-1)) update = revisions.at(-1)!;
  else if (equal.length > 0) update = await api.update('controllerrevisions', { ...equal.at(-1)!, revision: next });
  else {
    for (;;) {
      const attempt = newRevision(sts, next, collisionCount);
      try {
        update = await api.create('controllerrevisions', attempt);
        break;
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        const existing = await api.get<ControllerRevision>(
          'controllerrevisions',
          attempt.metadata.namespace ?? '',
          attempt.metadata.name ?? '',
        );
        if (sameData(existing, attempt) && existing.metadata.ownerReferences?.some((r) => r.uid === sts.metadata.uid)) {
          update = existing;
          break;
        }
        collisionCount++;
      }
    }
  }
  const current = revisions.find((r) => r.metadata.name === sts.status?.currentRevision) ?? update;
  return { current, update, collisionCount };
}

/** Deletes the oldest revisions beyond revisionHistoryLimit that are neither current, update, nor used by a pod. */
export async function truncateHistory(
  api: ApiLike,
  sts: StatefulSet,
  owned: ControllerRevision[],
  live: Set<string>,
): Promise<void> {
  const limit = sts.spec.revisionHistoryLimit ?? 10;
  const old = owned.filter((r) => !live.has(r.metadata.name ?? '')).sort(byNumber);
  for (const r of old.slice(0, Math.max(0, old.length - limit))) {
    try {
      await api.delete('controllerrevisions', r.metadata.namespace ?? '', r.metadata.name ?? '');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
